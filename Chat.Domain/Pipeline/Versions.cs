namespace Chat.Domain.Pipeline;

/// <summary>
/// A state's version is its <c>updated_at</c> at microsecond precision, as MySQL's datetime(6) stores it; every new
/// state of a thing is newer than the one it replaces, so last-writer-wins keeps the order in which they were accepted.
/// </summary>
public sealed class Versions(TimeProvider clock)
{
    /// <summary>Now, at microsecond precision, so what is answered equals what is read back.</summary>
    public DateTime Now()
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }

    /// <summary>Now, but always after <paramref name="previous"/>: clocks of replicas differ slightly.</summary>
    public DateTime After(DateTime previous)
    {
        var now = Now();
        return now > previous ? now : previous.AddTicks(10);
    }

    /// <summary>Microseconds since the epoch: exact in Lua's doubles (below 2^53) and equal to datetime(6).</summary>
    public static long Of(DateTime updatedAt) => (updatedAt.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
