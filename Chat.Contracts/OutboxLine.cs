using System.Globalization;

namespace Chat.Contracts;

/// <summary>
/// One line of an application's outbox (docs/decisions/0009): an accepted state, named by its kind's code, its chat
/// (0 for a chat itself), its field (a chat or message number, a member's user id) and its version. Added in the
/// same Redis script that stores the pending state and removed once the worker persisted that version, so a line
/// that stays names a state whose command never reached MySQL. Written as <c>kind|version|chat|field</c>; only C#
/// builds and parses it, the scripts store and remove it as it is.
/// </summary>
public sealed record OutboxLine(char Kind, long Version, int ChatNumber, string Field)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}|{Version}|{ChatNumber}|{Field}");

    public static OutboxLine? Parse(string value)
    {
        var parts = value.Split('|', 4);
        return parts.Length == 4 && parts[0].Length == 1
               && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var version)
               && int.TryParse(parts[2], CultureInfo.InvariantCulture, out var chat)
            ? new OutboxLine(parts[0][0], version, chat, parts[3])
            : null;
    }
}
