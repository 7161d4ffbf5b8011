using MySqlConnector;

namespace Chat.Api.Shared;

public static class Failures
{
    /// <summary>
    /// Whether <paramref name="exception"/> or one it wraps is a <typeparamref name="T"/>: EF wraps driver errors, sometimes
    /// twice (an execution strategy's InvalidOperationException around a DbUpdateException around the MySqlException).
    /// </summary>
    public static bool CausedBy<T>(Exception exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is T) return true;
        return false;
    }

    /// <summary>
    /// MySQL could not answer: refused, timed out, or gone mid-answer. A server shutting down can cut a pooled connection
    /// between two statements, and the driver then throws <see cref="MySqlEndOfStreamException"/>, which is not a
    /// <see cref="MySqlException"/> (seen in a chaos run as a 500 while MariaDB stopped).
    /// </summary>
    public static bool DatabaseUnavailable(Exception exception) =>
        CausedBy<MySqlException>(exception) || CausedBy<MySqlEndOfStreamException>(exception);
}
