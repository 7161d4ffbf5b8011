using Chat.Contracts;

namespace Chat.Api.Shared;

/// <summary>User ids are opaque to us: chosen by the client app, 1 to 64 characters, compared exactly (after trimming).</summary>
public static class UserIds
{
    public const int MaxPerRequest = 100;

    /// <summary>A user id taken from the path: anything else cannot name a member, so it is a 404.</summary>
    public static bool IsWellFormed(string user) =>
        user.Length is >= 1 and <= Limits.MaxUserIdLength && user.Trim().Length == user.Length;

    /// <summary>
    /// A list of user ids in a body: each valid, at most <see cref="MaxPerRequest"/>; duplicates count once.
    /// Returned in ordinal order, the order in which members are always listed.
    /// </summary>
    public static IReadOnlyList<string> List(Validation validation, string field, IReadOnlyList<string?>? users, bool required)
    {
        if (users is null || users.Count == 0)
        {
            if (required) validation.Add(field, "must name at least one user.");
            return [];
        }
        if (users.Count > MaxPerRequest)
        {
            validation.Add(field, $"must name at most {MaxPerRequest} users.");
            return [];
        }
        var ids = new List<string>();
        foreach (var user in users)
        {
            var id = validation.Text(field, user ?? "", 1, Limits.MaxUserIdLength);
            if (!string.IsNullOrEmpty(id) && !ids.Contains(id, StringComparer.Ordinal)) ids.Add(id);
        }
        return ids.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary><paramref name="ids"/> (in ordinal order) with <paramref name="user"/> too, when there is one.</summary>
    public static IReadOnlyList<string> With(IReadOnlyList<string> ids, string? user) =>
        user is null || ids.Contains(user, StringComparer.Ordinal) ? ids : ids.Append(user).Order(StringComparer.Ordinal).ToList();
}
