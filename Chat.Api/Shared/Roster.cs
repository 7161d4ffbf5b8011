using Chat.Contracts;

namespace Chat.Api.Shared;

/// <summary>
/// The members of one chat as of now: persisted and pending states combined by the member kind's rule (last writer
/// wins on membership, the greatest cursor wins). Message status comes from here.
/// </summary>
public sealed class Roster
{
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Read = "read";

    private readonly IReadOnlyDictionary<string, MemberState> _states;

    /// <param name="states">Every member's latest state by user id, also of users who left.</param>
    public Roster(IReadOnlyDictionary<string, MemberState> states)
    {
        _states = states;
        Members = states.Values.Where(s => s.LeftAt is null).OrderBy(s => s.UserId, StringComparer.Ordinal).ToList();
    }

    /// <summary>Current members, ordered by user id (ordinal).</summary>
    public IReadOnlyList<MemberState> Members { get; }

    /// <summary>The ids of the current members, or null when there are none (chat responses omit the field then).</summary>
    public IReadOnlyList<string>? Ids => Members.Count > 0 ? Members.Select(m => m.UserId).ToList() : null;

    /// <summary>The user's state if they are a member now.</summary>
    public MemberState? Find(string user) => _states.TryGetValue(user, out var state) && state.LeftAt is null ? state : null;

    /// <summary>The user's latest state, also when they left: a new state must be newer than it.</summary>
    public MemberState? Latest(string user) => _states.GetValueOrDefault(user);

    /// <summary>
    /// <c>read</c> when every current member other than the sender has read the message, <c>delivered</c> when every
    /// one has it, else <c>sent</c>; also <c>sent</c> when there is nobody but the sender.
    /// </summary>
    public string StatusOf(int number, string? sender)
    {
        var recipients = Members.Where(m => m.UserId != sender).ToList();
        if (recipients.Count == 0) return Sent;
        if (recipients.All(m => m.ReadUpTo >= number)) return Read;
        return recipients.All(m => m.DeliveredUpTo >= number) ? Delivered : Sent;
    }

    /// <summary>Each recipient's status of the message: every current member but its sender.</summary>
    public IEnumerable<(string User, string Status)> RecipientsOf(int number, string? sender) => Members.Where(m => m.UserId != sender)
        .Select(m => (m.UserId, m.ReadUpTo >= number ? Read : m.DeliveredUpTo >= number ? Delivered : Sent));
}
