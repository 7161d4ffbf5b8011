using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Messages;

/// <summary>reply_to, the replies of a message and reply_count (API.md "Messages: replies, …").</summary>
public sealed class ReplyTests : TwoApiHosts
{
    [Test]
    public async Task RepliesAreListedAndCountedPendingAndPersisted()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { name = "r" });
        var messages = $"/applications/{token}/chats/{chat}/messages";
        async Task<JsonElement> SendAsync(HttpClient client, string body, int? replyTo) =>
            await (await client.PostAsJsonAsync(messages, new { body, reply_to = replyTo })).ShouldBeAsync(HttpStatusCode.Created);

        var root = await SendAsync(a, "root", null);
        Assert.That(root.GetProperty("reply_to").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(root.GetProperty("reply_count").GetInt32(), Is.Zero);
        await using (await WorkerHost.StartAsync())
        {
            var first = await SendAsync(b, "first", 1);
            Assert.That(first.GetProperty("reply_to").GetInt32(), Is.EqualTo(1));
            await SendAsync(a, "second", 1);
            await SendAsync(b, "to the first", 2);
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 4), Is.EqualTo(4));
        }
        await SendAsync(a, "third, pending", 1);

        async Task<Dictionary<int, int>> CountsAsync(HttpClient client) => (await client.GetOkAsync($"{messages}?after=0")).GetProperty("data")
            .EnumerateArray().ToDictionary(m => m.GetProperty("number").GetInt32(), m => m.GetProperty("reply_count").GetInt32());
        Assert.That(await CountsAsync(b), Is.EqualTo(new Dictionary<int, int> { [1] = 3, [2] = 1, [3] = 0, [4] = 0, [5] = 0 }));
        Assert.That((await a.GetOkAsync($"{messages}/1")).GetProperty("reply_count").GetInt32(), Is.EqualTo(3));

        var replies = new List<int>();
        for (string? next = $"{messages}?reply_to=1&limit=1"; next is not null;)
        {
            var page = await b.GetOkAsync(next);
            replies.AddRange(page.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("number").GetInt32()));
            next = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        Assert.That(replies, Is.EqualTo(new[] { 5, 3, 2 }), "newest first, persisted and pending, each once");
        Assert.That((await a.GetOkAsync($"{messages}?reply_to=2&after=0")).GetProperty("data").EnumerateArray()
            .Select(m => m.GetProperty("number").GetInt32()), Is.EqualTo(new[] { 4 }));

        using (var deleted = await a.DeleteAsync($"{messages}/2")) Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        using (var deleted = await b.DeleteAsync($"{messages}/5")) Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That((await b.GetOkAsync($"{messages}/1")).GetProperty("reply_count").GetInt32(), Is.EqualTo(1), "deleted replies no longer count");
        await using (await WorkerHost.StartAsync())
        {
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 3), Is.EqualTo(3));
            Assert.That(await Eventually.HoldsAsync(async () => (await Database.MessagesAsync(token, includeDeleted: true)).Count == 5));
            Assert.That((await a.GetOkAsync($"{messages}/1")).GetProperty("reply_count").GetInt32(), Is.EqualTo(1), "the same from MySQL");
        }
    }

    [Test]
    public async Task AReplyToMustBeALiveMessageOfTheSameChat()
    {
        var token = await HostA.CreateApplicationAsync();
        var a = HostA.CreateClient();
        var (one, two) = (await a.CreateChatAsync(token, new { name = "one" }), await a.CreateChatAsync(token, new { name = "two" }));
        for (var i = 0; i < 3; i++) await a.PostMessageAsync(token, one, $"m{i}");
        await a.PostMessageAsync(token, two, "only");
        using (var deleted = await a.DeleteAsync($"/applications/{token}/chats/{one}/messages/2")) Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        foreach (var (chat, replyTo) in new[] { (one, 2), (one, 9), (one, 0), (one, -1), (two, 3) })
            await (await a.PostAsJsonAsync($"/applications/{token}/chats/{chat}/messages", new { body = "x", reply_to = replyTo }))
                .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await a.PostAsync($"/applications/{token}/chats/{one}/messages",
            new StringContent("""{"body":"x","reply_to":"abc"}""", System.Text.Encoding.UTF8, "application/json"))).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await a.GetAsync($"/applications/{token}/chats/{one}/messages?reply_to=0")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That((await a.GetOkAsync($"/applications/{token}/chats/{one}/messages")).GetProperty("data").GetArrayLength(), Is.EqualTo(2), "nothing was sent");
    }
}
