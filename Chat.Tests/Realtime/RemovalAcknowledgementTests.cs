using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;
using StackExchange.Redis;

namespace Chat.Tests.Realtime;

/// <summary>
/// A member's removal answers only once every replica that heard it has taken that user's connections out of the chat
/// (API.md, Hub; decision 0014), so no event of a later write can overtake it. A stand-in replica on the same Redis
/// channels acknowledges late, or never, and the removal's answer waits for it, at most 2 s.
/// </summary>
public sealed class RemovalAcknowledgementTests : TwoApiHosts
{
    private static readonly TimeSpan SlowReplica = TimeSpan.FromMilliseconds(800);

    [Test]
    public async Task ARemovalAnswersOnlyAfterASlowReplicaHasAcknowledged()
    {
        await using var replica = await StandInReplica.StartAsync(acknowledgeAfter: SlowReplica);
        var warnedBefore = NotAcknowledgedWarnings().Count;

        var answeredAfter = await RemoveAMemberAsync();
        TestContext.Out.WriteLine($"answered after {answeredAfter.TotalMilliseconds:0} ms; the stand-in acknowledged after {SlowReplica.TotalMilliseconds:0} ms");

        Assert.That(replica.Heard, Is.True, "the stand-in heard the removal");
        Assert.That(answeredAfter, Is.GreaterThanOrEqualTo(SlowReplica), "the answer waited for the slow replica");
        Assert.That(NotAcknowledgedWarnings(), Has.Count.EqualTo(warnedBefore), "everyone acknowledged in time");
    }

    [Test]
    public async Task AReplicaThatNeverAcknowledgesHoldsTheRemovalForTwoSecondsAndIsLogged()
    {
        await using var replica = await StandInReplica.StartAsync(acknowledgeAfter: null);
        var warnedBefore = NotAcknowledgedWarnings().Count;

        Assert.That(await RemoveAMemberAsync(), Is.InRange(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)));
        var warning = NotAcknowledgedWarnings().Skip(warnedBefore).Single();
        Assert.That(int.Parse(warning.Groups[2].Value) - int.Parse(warning.Groups[1].Value), Is.EqualTo(1),
            $"every replica but the stand-in acknowledged: {warning.Value}");
    }

    private List<Match> NotAcknowledgedWarnings() => HostB.Logs.Entries
        .Select(e => Regex.Match(e.Message, @"acknowledged by (\d+) of (\d+) replicas")).Where(m => m.Success).ToList();

    /// <summary>Removes alice from a new chat of alice and bob through host B; how long the removal took to answer.</summary>
    private async Task<TimeSpan> RemoveAMemberAsync()
    {
        var token = await HostA.CreateApplicationAsync();
        var chat = await HostA.CreateClient().CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        var clock = Stopwatch.StartNew();
        (await HostB.CreateClient().DeleteAsync($"/applications/{token}/chats/{chat}/members/alice")).EnsureSuccessStatusCode();
        return clock.Elapsed;
    }

    /// <summary>Listens where the replicas listen for removals and acknowledges each after a delay, or never.</summary>
    private sealed class StandInReplica : IAsyncDisposable
    {
        private readonly ConnectionMultiplexer _redis;
        private StandInReplica(ConnectionMultiplexer redis) => _redis = redis;

        public bool Heard { get; private set; }

        public static async Task<StandInReplica> StartAsync(TimeSpan? acknowledgeAfter)
        {
            var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis);
            var replica = new StandInReplica(redis);
            var database = redis.GetDatabase().Database;
            var subscriber = redis.GetSubscriber();
            await subscriber.SubscribeAsync(RedisChannel.Sharded($"chat-removed-members:{database}"), (channel, message) =>
            {
                replica.Heard = true;
                if (acknowledgeAfter is { } delay) _ = AcknowledgeAsync(JsonDocument.Parse((string)message!).RootElement.GetProperty("Id").GetString()!, delay);
            });
            return replica;

            // A task, not an async handler: one still waiting when the test has disposed the connection fails its own
            // task instead of throwing into the test process.
            async Task AcknowledgeAsync(string id, TimeSpan delay)
            {
                await Task.Delay(delay);
                await subscriber.PublishAsync(RedisChannel.Sharded($"chat-removed-members-acks:{database}"), id);
            }
        }

        public ValueTask DisposeAsync() => _redis.DisposeAsync();
    }
}
