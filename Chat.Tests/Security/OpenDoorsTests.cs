using System.Net;
using System.Net.Http.Json;
using Chat.Contracts;
using Chat.Tests.Infrastructure;
using RabbitMQ.Client;

namespace Chat.Tests.Security;

/// <summary>The doors a review found open: application creation unbounded, a forged deletion purging an application, member lists without bound.</summary>
public sealed class OpenDoorsTests
{
    [Test]
    public async Task CreatingApplicationsIsRateLimitedPerClientAddress()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?>
        {
            ["RateLimit:ApplicationsPerMinute"] = "1", ["RateLimit:ApplicationsBurst"] = "2",
        });
        var client = api.CreateClient();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 3; i++)
        {
            var response = await client.PostAsJsonAsync("/applications", new { name = $"burst {i}" });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
        }
        Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests }));
        await refused!.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.That(refused!.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
    }

    [Test]
    public async Task CreatingApplicationsCanRequireTheAdminKey()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Applications:RequireAdminKey"] = "true" });
        var client = api.CreateClient();
        await (await client.PostAsJsonAsync("/applications", new { name = "x" })).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/applications") { Content = JsonContent.Create(new { name = "x" }) };
        request.Headers.Add("X-Admin-Key", TestServices.AdminKey);
        await (await client.SendAsync(request)).ShouldBeAsync(HttpStatusCode.Created);
    }

    [Test]
    public async Task AForgedDeletionOfALiveApplicationPurgesNothingAndIsDeadLetteredWithItsReason()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        var chat = await client.CreateChatAsync(token, new { });
        await client.PostMessageAsync(token, chat, "still here");
        var app = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        await using var worker = await WorkerHost.StartAsync();
        await WorkerHost.WaitForMessagesAsync(token, 1);

        var forged = new ApplicationDeleted(Guid.NewGuid(), app);
        await using (var rabbit = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync())
        await using (var channel = await rabbit.CreateChannelAsync(new CreateChannelOptions(true, true)))
            await channel.BasicPublishAsync("", QueueNames.Commands, true, new BasicProperties { Persistent = true },
                CommandJson.Serialize(forged));

        var dead = await DeadLetters.WithMarkerAsync(forged.CommandId.ToString(), expected: 1);
        Assert.That(dead.Select(d => d.Reason), Has.One.Contains("not marked deleted"), "dead-lettered once, with the reason");
        Assert.That(await Database.ScalarAsync<long>("SELECT COUNT(*) FROM chats WHERE application_id = @a", ("@a", app)), Is.EqualTo(1));
        Assert.That((await Database.MessagesAsync(token)).Select(m => m.Body), Is.EqualTo(new[] { "still here" }));
        await (await client.GetAsync($"/applications/{token}/chats/{chat}/messages/1")).ShouldBeAsync(HttpStatusCode.OK);

        // The API's own deletion (its mark first) is purged.
        await (await client.DeleteAsync($"/applications/{token}")).ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.That(await Eventually.HoldsAsync(async () =>
            await Database.ScalarAsync<long>("SELECT COUNT(*) FROM chats WHERE application_id = @a", ("@a", app)) == 0, TimeSpan.FromSeconds(30)),
            "the real deletion purges the chats");
    }

    [Test]
    public async Task ChatListsShowTheFirstTenMembersBesideTheirCountAndAChatShowsThemAll()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        var members = Enumerable.Range(10, 15).Select(i => $"user{i}").ToArray();
        await client.CreateChatAsync(token, new { members });

        var listed = (await client.GetOkAsync($"/applications/{token}/chats")).GetProperty("data")[0];
        Assert.That(listed.GetProperty("members").EnumerateArray().Select(m => m.GetString()), Is.EqualTo(members.Take(10)));
        Assert.That(listed.GetProperty("members_count").GetInt32(), Is.EqualTo(15));
        var chat = await client.GetOkAsync($"/applications/{token}/chats/1");
        Assert.That(chat.GetProperty("members").GetArrayLength(), Is.EqualTo(15));
        Assert.That(chat.GetProperty("members_count").GetInt32(), Is.EqualTo(15));
    }
}
