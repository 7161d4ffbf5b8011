using Chat.Contracts;
using Chat.Domain.Pipeline;

namespace Chat.Api.Shared;

/// <summary>New states of members, each after the state it replaces.</summary>
public static class MemberStates
{
    /// <summary>A user joining (again): after their last state, keeping the cursors they had.</summary>
    public static MemberState Joining(this Versions versions, string user, MemberState? previous)
    {
        var now = versions.After(previous is null ? DateTime.MinValue : Kinds.Member.VersionOf(previous));
        return new MemberState(user, now, now, null, previous?.DeliveredUpTo ?? 0, previous?.ReadUpTo ?? 0);
    }

    public static MemberState Leaving(this Versions versions, MemberState member)
    {
        var now = versions.After(Kinds.Member.VersionOf(member));
        return member with { UpdatedAt = now, LeftAt = now };
    }

    /// <summary>The first members of a new chat, all joining at its creation time.</summary>
    public static IEnumerable<Write> Initial(ChatState chat, IEnumerable<string> users) =>
        users.Select(u => Kinds.Member.Write(Kinds.ChatScope(chat), new MemberState(u, chat.CreatedAt, chat.CreatedAt, null, 0, 0)));
}
