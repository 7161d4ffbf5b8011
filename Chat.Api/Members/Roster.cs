using Chat.Domain.Messaging;

namespace Chat.Api.Members;

/// <summary>
/// The members of one chat as of now: persisted and pending states merged (last writer wins on membership, the
/// greatest cursor wins), with the cursors last reported to Redis. Message status and unread counts come from here.
/// </summary>
public sealed class Roster
{
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Read = "read";

    private readonly Dictionary<string, MemberState> _states;

    private Roster(Dictionary<string, MemberState> states)
    {
        _states = states;
        Members = states.Values.Where(s => s.LeftAt is null).OrderBy(s => s.UserId, StringComparer.Ordinal).ToList();
    }

    /// <summary>Current members, ordered by user id (ordinal).</summary>
    public IReadOnlyList<MemberState> Members { get; }

    public static Roster Merge(IEnumerable<MemberState> persisted, IEnumerable<MemberState> pending,
        IReadOnlyDictionary<string, (int Delivered, int Read)> cursors)
    {
        var states = new Dictionary<string, MemberState>(StringComparer.Ordinal);
        foreach (var state in persisted.Concat(pending))
            states[state.UserId] = states.TryGetValue(state.UserId, out var known) ? known.CombinedWith(state) : state;
        foreach (var (user, (delivered, read)) in cursors)
            if (states.TryGetValue(user, out var state))
                states[user] = state with { DeliveredUpTo = Math.Max(state.DeliveredUpTo, delivered), ReadUpTo = Math.Max(state.ReadUpTo, read) };
        return new Roster(states);
    }

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

    public IReadOnlyList<RecipientStatus> RecipientsOf(int number, string? sender) => Members.Where(m => m.UserId != sender)
        .Select(m => new RecipientStatus(m.UserId, m.ReadUpTo >= number ? Read : m.DeliveredUpTo >= number ? Delivered : Sent))
        .ToList();

    public static MemberResponse ToResponse(MemberState member, int lastNumber) =>
        new(member.UserId, member.JoinedAt, member.DeliveredUpTo, member.ReadUpTo, UnreadCount(member, lastNumber));

    /// <summary>Messages after the member's read cursor, given the chat's last message number.</summary>
    public static int UnreadCount(MemberState member, int lastNumber) => Math.Max(0, lastNumber - member.ReadUpTo);
}
