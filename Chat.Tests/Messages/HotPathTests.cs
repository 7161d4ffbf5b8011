using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Messages;

/// <summary>With warm caches, the create path and chat lookups cost no MySQL query at all.</summary>
public sealed class HotPathTests
{
    [Test]
    public async Task PostingMessagesWithWarmCachesRunsNoMySqlCommand()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        await client.CreateChatAsync(token, new { });
        await using (await WorkerHost.StartAsync())
            await WorkerHost.WaitForChatsAsync(token, 1);
        // Warm: the application and chat caches, and the chat's first block of message numbers.
        await client.PostMessageAsync(token, 1, "warm");
        await (await client.GetAsync($"/applications/{token}/chats/1")).ShouldBeAsync(HttpStatusCode.OK);

        var hits = 0L;
        using var cache = new MeterListener
        {
            InstrumentPublished = (instrument, listener) => { if (instrument.Name == "chat.cache.hits") listener.EnableMeasurementEvents(instrument); },
        };
        cache.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref hits, value));
        cache.Start();

        var commands = await MySqlCommandsDuringAsync(async () =>
        {
            for (var i = 0; i < 10; i++)
                await (await client.PostAsJsonAsync($"/applications/{token}/chats/1/messages", new { body = $"m{i}" })).ShouldBeAsync(HttpStatusCode.Created);
            await (await client.GetAsync($"/applications/{token}/chats/1")).ShouldBeAsync(HttpStatusCode.OK);
        });

        Assert.That(commands, Is.Zero, "no MySQL work at all on the create path once caches are warm");
        Assert.That(hits, Is.GreaterThanOrEqualTo(11), "application and chat lookups were cache hits");
    }

    [Test]
    public async Task PostingIntoAChatNotPersistedYetRunsNoMySqlCommand()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        var chat = await client.CreateChatAsync(token, new { });
        await client.PostMessageAsync(token, chat, "warm"); // reserves the chat's first block of message numbers

        // No worker runs: the chat is only pending, and has no row for a cache to remember.
        var commands = await MySqlCommandsDuringAsync(async () =>
        {
            for (var i = 0; i < 10; i++) await client.PostMessageAsync(token, chat, $"m{i}");
        });

        Assert.That(commands, Is.Zero, "the pending chat is enough to accept messages into it");
    }

    private static async Task<int> MySqlCommandsDuringAsync(Func<Task> action)
    {
        var commands = 0;
        using var sql = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "MySqlConnector",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = _ => Interlocked.Increment(ref commands),
        };
        ActivitySource.AddActivityListener(sql);
        await action();
        return commands;
    }
}
