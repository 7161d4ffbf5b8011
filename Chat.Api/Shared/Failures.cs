namespace Chat.Api.Shared;

public static class Failures
{
    /// <summary>Whether <paramref name="exception"/> or one it wraps is a <typeparamref name="T"/> (EF Core wraps MySQL's failures).</summary>
    public static bool CausedBy<T>(Exception exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is T) return true;
        return false;
    }
}
