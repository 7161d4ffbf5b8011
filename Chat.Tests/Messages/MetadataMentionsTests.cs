using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Messages;

/// <summary>metadata on messages and chats, mentions and unread_mentions (API.md "Messages: … mentions, custom data …").</summary>
public sealed class MetadataMentionsTests : TwoApiHosts
{

    private const string Metadata = """{"zeta":1,"alpha":{"list":[1,"two",null,true],"emoji":"👍"},"big":12345678901234567890}""";

    /// <summary>The same tokens in the same order (key order, values), whatever characters the encoder escapes.</summary>
    private static string AsGiven(string json) => json.Given();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Test]
    public async Task MessageMetadataComesBackAsGivenEverywhereAndIsNotSearched()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { name = "m" });
        var messages = $"/applications/{token}/chats/{chat}/messages";
        var created = await (await a.PostAsync(messages, Json($$"""{"body":"hello","metadata":{{Metadata}}}"""))).ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(created.GetProperty("metadata").GetRawText().Given(), Is.EqualTo(AsGiven(Metadata)), "as given: key order and values kept");
        await a.PostMessageAsync(token, chat, "plain");

        void AssertGiven(JsonElement message) => Assert.That(message.GetProperty("metadata").GetRawText().Given(), Is.EqualTo(AsGiven(Metadata)));
        AssertGiven(await b.GetOkAsync($"{messages}/1"));
        await using (await WorkerHost.StartAsync())
        {
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 2), Is.EqualTo(2));
            Assert.That(await Eventually.HoldsAsync(async () =>
                await Database.ScalarAsync<long>("SELECT COUNT(*) FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id WHERE a.token = @t AND m.metadata IS NOT NULL", ("@t", token)) == 1));
        }
        var history = (await a.GetOkAsync($"{messages}?after=0")).GetProperty("data");
        AssertGiven(history[0]);
        Assert.That(history[1].GetProperty("metadata").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(history[1].GetProperty("mentions").GetArrayLength(), Is.Zero);

        var hits = await b.GetOkAsync($"{messages}/search?q=alpha");
        Assert.That(hits.GetProperty("data").GetArrayLength(), Is.Zero, "metadata is never searched");
        var hit = (await b.GetOkAsync($"{messages}/search?q=hello")).GetProperty("data")[0];
        Assert.That(hit.GetProperty("metadata").GetRawText().Given(), Is.EqualTo(Metadata.Given()), "search results carry it");

        // An edit without metadata keeps it; with metadata replaces it.
        var kept = await (await a.PatchAsJsonAsync($"{messages}/1", new { body = "edited" })).ShouldBeAsync(HttpStatusCode.OK);
        AssertGiven(kept);
        var replaced = await (await b.PatchAsync($"{messages}/1", Json("""{"body":"again","metadata":{"v":2}}"""))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(replaced.GetProperty("metadata").GetRawText().Given(), Is.EqualTo(AsGiven("""{"v":2}""")));

        var tooBig = "{\"body\":\"x\",\"metadata\":{\"blob\":\"" + new string('a', 4100) + "\"}}";
        await (await a.PostAsync(messages, Json(tooBig))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var justFits = "{\"body\":\"x\",\"metadata\":{\"blob\":\"" + new string('a', 4096 - 11) + "\"}}"; // {"blob":"…"} is 4,096 bytes
        await (await a.PostAsync(messages, Json(justFits))).ShouldBeAsync(HttpStatusCode.Created);
        foreach (var notAnObject in new[] { "[1,2]", "\"text\"", "7" })
            await (await a.PostAsync(messages, Json($$"""{"body":"x","metadata":{{notAnObject}}}"""))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Test]
    public async Task ChatMetadataComesBackAsGivenAndUpdatesReplaceIt()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var created = await (await a.PostAsync($"/applications/{token}/chats", Json($$"""{"name":"c","metadata":{{Metadata}}}"""))).ShouldBeAsync(HttpStatusCode.Created);
        var chat = created.GetProperty("number").GetInt32();
        Assert.That(created.GetProperty("metadata").GetRawText().Given(), Is.EqualTo(AsGiven(Metadata)));
        await using (await WorkerHost.StartAsync())
        {
            await WorkerHost.WaitForChatsAsync(token, 1);
            Assert.That(await Eventually.HoldsAsync(async () =>
                (await b.GetOkAsync($"/applications/{token}/chats/{chat}")).GetProperty("metadata").GetRawText().Given() == AsGiven(Metadata)));
            var listed = (await b.GetOkAsync($"/applications/{token}/chats")).GetProperty("data")[0];
            Assert.That(listed.GetProperty("metadata").GetRawText().Given(), Is.EqualTo(AsGiven(Metadata)));
        }
        var renamed = await (await b.PatchAsJsonAsync($"/applications/{token}/chats/{chat}", new { name = "d" })).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(renamed.GetProperty("metadata").GetRawText().Given(), Is.EqualTo(AsGiven(Metadata)), "an update without metadata keeps it");
        await (await a.PatchAsync($"/applications/{token}/chats/{chat}", Json("""{"metadata":{"v":2}}"""))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That((await b.GetOkAsync($"/applications/{token}/chats/{chat}")).GetProperty("metadata").GetRawText().Given(), Is.EqualTo(AsGiven("""{"v":2}""")));
        await (await a.PatchAsync($"/applications/{token}/chats/{chat}", Json("{\"metadata\":{\"blob\":\"" + new string('a', 4100) + "\"}}")))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await a.PostAsync($"/applications/{token}/chats", Json("""{"metadata":"no"}"""))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Test]
    public async Task MentionsAreMembersAndUnreadMentionsAreExact()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { members = new[] { "alice", "bob", "carol" } });
        var messages = $"/applications/{token}/chats/{chat}/messages";
        async Task<int> SendAsync(HttpClient client, string sender, params string[] mentions) =>
            (await (await client.PostAsJsonAsync(messages, new { body = "hey", sender, mentions })).ShouldBeAsync(HttpStatusCode.Created))
            .GetProperty("number").GetInt32();

        await (await a.PostAsJsonAsync(messages, new { body = "x", sender = "alice", mentions = new[] { "dave" } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await a.PostAsJsonAsync(messages, new { body = "x", sender = "alice", mentions = new[] { "" } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        await SendAsync(a, "alice", "bob");            // 1
        await SendAsync(b, "alice", "bob", "carol");   // 2
        await SendAsync(a, "carol");                   // 3
        var deleted = await SendAsync(b, "alice", "bob"); // 4, deleted below
        Assert.That((await a.GetOkAsync($"{messages}/2")).GetProperty("mentions").Strings(), Is.EqualTo(new[] { "bob", "carol" }));

        async Task<(int Unread, int Mentions)> MemberAsync(HttpClient client, string user)
        {
            var m = await client.GetOkAsync($"/applications/{token}/chats/{chat}/members/{user}");
            return (m.GetProperty("unread_count").GetInt32(), m.GetProperty("unread_mentions").GetInt32());
        }
        Assert.That(await MemberAsync(b, "bob"), Is.EqualTo((4, 3)), "carol's message counts only as unread");
        using (var gone = await a.DeleteAsync($"{messages}/{deleted}")) Assert.That(gone.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await MemberAsync(a, "bob"), Is.EqualTo((3, 2)), "a deleted mention no longer counts");
        Assert.That(await MemberAsync(a, "carol"), Is.EqualTo((0, 0)), "sending 3 read 1 and 2 (2 mentions carol); 4 is deleted");

        await using (await WorkerHost.StartAsync())
        {
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 3), Is.EqualTo(3));
            Assert.That(await Eventually.HoldsAsync(async () =>
                await Database.ScalarAsync<long>("SELECT COUNT(*) FROM message_mentions mm JOIN chats c ON c.id = mm.chat_id JOIN applications a ON a.id = c.application_id WHERE a.token = @t", ("@t", token)) == 4), "1 → bob, 2 → bob and carol, 4 → bob (deleted)");
            Assert.That(await MemberAsync(b, "bob"), Is.EqualTo((3, 2)), "the same from MySQL");
            await a.ReportAsync(token, chat, new { user = "bob", read_up_to = 1 });
            Assert.That(await MemberAsync(b, "bob"), Is.EqualTo((2, 1)));
            var totals = await b.GetOkAsync($"/applications/{token}/users/bob/unread");
            Assert.That(totals.GetProperty("unread_mentions").GetInt64(), Is.EqualTo(1));
            var bobsChats = (await a.GetOkAsync($"/applications/{token}/users/bob/chats")).GetProperty("data")[0];
            Assert.That(bobsChats.GetProperty("unread_mentions").GetInt32(), Is.EqualTo(1));
        }
    }
}

internal static class JsonTexts
{
    /// <summary>The same tokens in the same order (key order, values), whatever characters the encoder escapes.</summary>
    public static string Given(this string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
}
