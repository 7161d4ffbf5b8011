using System.Reflection;
using Chat.Api.Shared;
using MySqlConnector;

namespace Chat.Tests.Reliability;

/// <summary>Which failures mean "MySQL could not answer" (a 503 with Retry-After), as the driver throws them.</summary>
public sealed class DatabaseFailureTests
{
    [Test]
    public void AConnectionCutMidAnswerIsTheDatabaseUnavailable()
    {
        // What the driver threw from BeginTransaction while MariaDB shut down in a chaos run (then answered 500); its
        // constructor is internal.
        var cut = (Exception)typeof(MySqlEndOfStreamException)
            .GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, [typeof(int), typeof(int)])!.Invoke([4, 0]);
        Assert.That(Failures.DatabaseUnavailable(cut), Is.True);
        Assert.That(Failures.DatabaseUnavailable(new InvalidOperationException("EF's wrapper", cut)), Is.True);
    }

    [Test]
    public void OtherFailuresAreNot()
    {
        Assert.That(Failures.DatabaseUnavailable(new EndOfStreamException("a file read short")), Is.False);
        Assert.That(Failures.DatabaseUnavailable(new InvalidOperationException("a bug")), Is.False);
    }
}
