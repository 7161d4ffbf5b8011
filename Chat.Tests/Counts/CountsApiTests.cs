using System.Net;
using Chat.Domain;
using Chat.Tests.Infrastructure;
using Chat.Worker.Jobs;
using Microsoft.Extensions.Hosting;

namespace Chat.Tests.Counts;

/// <summary>
/// The counts as clients see them, and the admin endpoint that runs the job now. The endpoint tests need
/// <c>builder.AddCountsClient()</c> and <c>app.MapAdminJobs()</c> in Chat.Api's Program.cs.
/// </summary>
public sealed class CountsApiTests : OneApiHost
{
    private const string Endpoint = "/admin/jobs/reconcile-counts";
    private readonly CountsData _data = new();

    [Test]
    public async Task ApplicationShowsTheReconciledChatsCountDespiteItsCache()
    {
        var token = await Api.CreateApplicationAsync();
        var before = await (await Client.GetAsync($"/applications/{token}")).ShouldBeAsync(HttpStatusCode.OK); // cached now
        Assert.That(before.GetProperty("chats_count").GetInt32(), Is.Zero);
        var app = await ApplicationIdAsync(token);
        await _data.CreateChatAsync(app, 1);
        await _data.CreateChatAsync(app, 2);
        await _data.CreateChatAsync(app, 3, deleted: true);

        using (var replica = new CountsReplica())
        {
            await replica.Marks.MarkAsync([app], []);
            await replica.RunAsync();
        }

        var after = await (await Client.GetAsync($"/applications/{token}")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(after.GetProperty("chats_count").GetInt32(), Is.EqualTo(2));
    }

    // Needs the Program.cs wiring (see the class summary), like the next test.
    [Test]
    public async Task ReconcileNowNeedsTheAdminKey()
    {
        await (await Client.PostAsync(Endpoint, null)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Headers = { { "X-Admin-Key", "nope" } } };
        await (await Client.SendAsync(wrong)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task ReconcileNowIsAcceptedAndAWorkerRunsIt()
    {
        var (app, _) = await _data.CreateApplicationAsync();
        var chat = await _data.CreateChatAsync(app, 1);
        await _data.AddMessagesAsync(chat, live: 4, deleted: 1);
        using (var replica = new CountsReplica()) await replica.Marks.MarkAsync([app], [chat]);

        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Headers = { { "X-Admin-Key", TestServices.AdminKey } } };
        var body = await (await Client.SendAsync(request)).ShouldBeAsync(HttpStatusCode.Accepted);
        Assert.That(body.GetProperty("job").GetString(), Is.Not.Empty);
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("enqueued"));
        body.ShouldHaveNoIds();

        // A worker's Hangfire server picks the job up from Redis.
        var builder = Host.CreateApplicationBuilder();
        builder.AddChatDomainForTests();
        builder.AddJobs();
        using var worker = builder.Build();
        await worker.StartAsync();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await _data.MessagesCountAsync(chat) != 4 && DateTime.UtcNow < deadline) await Task.Delay(200);
        }
        finally
        {
            await worker.StopAsync();
        }
        Assert.That(await _data.MessagesCountAsync(chat), Is.EqualTo(4));
        Assert.That(await _data.ChatsCountAsync(app), Is.EqualTo(1));
    }

    private async Task<long> ApplicationIdAsync(string token)
    {
        await using var connection = new MySqlConnector.MySqlConnection(TestServices.MySql);
        await connection.OpenAsync();
        await using var command = new MySqlConnector.MySqlCommand("SELECT id FROM applications WHERE token = @token", connection);
        command.Parameters.AddWithValue("@token", token);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
