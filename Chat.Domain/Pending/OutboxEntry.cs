namespace Chat.Domain.Pending;

public enum PendingKind { Chat = 'c', Message = 'm', Member = 'u' }

/// <summary>
/// One line of an application's outbox (docs/decisions/0009): an accepted state, named by its kind, chat, field
/// (the chat or message number, or the member's user id) and version. It is added with the pending state and
/// removed once the worker persisted that version, so a line that stays names a state whose command never
/// reached MySQL. Written as <c>kind|version|chat|field</c> (chat 0 for chats); MemberStore's scripts write the
/// same form.
/// </summary>
public sealed record OutboxEntry(PendingKind Kind, long Version, int ChatNumber, string Field)
{
    public override string ToString() => $"{(char)Kind}|{Version}|{ChatNumber}|{Field}";

    public static OutboxEntry? Parse(string value)
    {
        var parts = value.Split('|', 4);
        return parts.Length == 4 && parts[0].Length == 1 && Enum.IsDefined((PendingKind)parts[0][0])
               && long.TryParse(parts[1], out var version) && int.TryParse(parts[2], out var chat)
            ? new OutboxEntry((PendingKind)parts[0][0], version, chat, parts[3])
            : null;
    }
}
