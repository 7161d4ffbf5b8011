using Chat.Domain;
using Chat.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// Every host has its own MySQL data source, hence its own EF Core internal service provider; past twenty in one
/// process EF Core throws ManyServiceProvidersCreatedWarning, a guard that is right for a deployed process (one host)
/// and wrong for the test run (dozens). So only test hosts relax it.
/// </summary>
public static class ManyHosts
{
    public static void Tolerate(IServiceCollection services) =>
        services.ConfigureDbContext<ChatDbContext>(o => o.ConfigureWarnings(w => w.Ignore(CoreEventId.ManyServiceProvidersCreatedWarning)));

    /// <summary><see cref="DomainSetup.AddChatDomain"/> for one of many hosts in the test process.</summary>
    public static IHostApplicationBuilder AddChatDomainForTests(this IHostApplicationBuilder builder)
    {
        builder.AddChatDomain();
        Tolerate(builder.Services);
        return builder;
    }
}
