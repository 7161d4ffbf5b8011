using System.Net;
using System.Reflection;
using Chat.Api.Shared;
using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Chat.Tests.Reliability;

/// <summary>
/// A MySQL connection cut mid-answer, as the driver throws it: <see cref="MySqlEndOfStreamException"/>, which is not a
/// <see cref="MySqlException"/> (from BeginTransaction while MariaDB shut down in a chaos run, then answered 500).
/// </summary>
public sealed class DatabaseFailureTests
{
    [Test]
    public async Task AConnectionCutMidAnswerIs503WithRetryAfterNot500()
    {
        var token = ApplicationToken.New(); // not cached: the lookup needs MySQL
        await using var cut = new ApiFactory();
        var client = cut.WithWebHostBuilder(web => web.ConfigureTestServices(services =>
            services.AddSingleton<IDbContextFactory<ChatDbContext>>(new CutMidAnswer()))).CreateClient();

        var response = await client.GetAsync($"/applications/{token}");
        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.That(response.Headers.RetryAfter?.Delta?.TotalSeconds, Is.GreaterThan(0), "Retry-After");
    }

    [Test]
    public void OnlyTheDriversFailuresAreTheDatabaseUnavailable()
    {
        Assert.That(Failures.DatabaseUnavailable(new InvalidOperationException("EF's wrapper", CutMidAnswer.Exception())), Is.True);
        Assert.That(Failures.DatabaseUnavailable(new EndOfStreamException("a file read short")), Is.False);
        Assert.That(Failures.DatabaseUnavailable(new InvalidOperationException("a bug")), Is.False);
    }

    private sealed class CutMidAnswer : IDbContextFactory<ChatDbContext>
    {
        /// <summary>The driver's own exception; its constructor is internal.</summary>
        public static Exception Exception() => (Exception)typeof(MySqlEndOfStreamException)
            .GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, [typeof(int), typeof(int)])!.Invoke([4, 0]);

        public ChatDbContext CreateDbContext() => throw Exception();
    }
}
