using System.Diagnostics;
using Chat.Domain;
using Chat.Domain.Search.Elasticsearch;
using Microsoft.Extensions.Options;

namespace Chat.Worker.Search;

/// <summary>
/// <c>Chat.Worker reindex [--delete-old]</c> (natively <c>scripts/reindex</c>): builds the next versioned search
/// index from MySQL, prints a progress line every few seconds, switches the alias, and with <c>--delete-old</c>
/// deletes the indices it replaced. Exit code 0 when every message was copied, 1 when some were dead-lettered.
/// </summary>
public static class ReindexCommand
{
    public const string Usage = "Usage: Chat.Worker reindex [--delete-old]   (Elasticsearch__Url and the ConnectionStrings__* variables as for the worker)";

    /// <summary>What the command needs: MySQL, the broker (for dead letters), the index; not the worker's consumers.</summary>
    public static IHost BuildHost(Action<IHostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        // The command's own lines are its output; the hosts' start-up chatter is not.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configure?.Invoke(builder);
        builder.AddChatDomain();
        builder.AddSearchTools();
        builder.Services.AddSingleton<Reindexer>();
        return builder.Build();
    }

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(2);

    /// <param name="configure">Adds to the configuration (tests); the worker's environment otherwise.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, Action<IHostApplicationBuilder>? configure = null,
        CancellationToken ct = default)
    {
        if (args is not ([] or ["--delete-old"]))
        {
            await output.WriteLineAsync(Usage);
            return 2;
        }

        using var host = BuildHost(configure);
        var url = host.Services.GetRequiredService<IOptions<ElasticsearchOptions>>().Value.Url;
        if (!ElasticsearchConnection.IsValidUrl(url))
        {
            await output.WriteLineAsync("Elasticsearch__Url (Elasticsearch:Url) must be the cluster's URL, e.g. http://127.0.0.1:9200.");
            return 2;
        }

        var printed = Stopwatch.StartNew();
        ReindexResult result;
        try
        {
            result = await host.Services.GetRequiredService<Reindexer>().RunAsync(args is ["--delete-old"], async (progress, _) =>
            {
                if (printed.Elapsed < ProgressEvery && progress.Done < progress.Total) return;
                printed.Restart();
                await output.WriteLineAsync($"reindex {progress}");
            }, ct);
        }
        catch (ElasticsearchException e)
        {
            // Stopped between two steps: the alias still answers searches (from the old index and what the new one has),
            // and a new run starts a fresh version.
            await output.WriteLineAsync($"reindex stopped: {e.Message}");
            return 1;
        }

        await output.WriteLineAsync($"Alias {host.Services.GetRequiredService<MessageIndex>().Alias} now points at {result.Index} only: " +
                                    $"{result.Copied:N0} messages copied, {result.Rejected:N0} rejected (dead-lettered to chat.index.dead).");
        var kept = result.Previous.Except(result.Deleted).ToList();
        if (result.Deleted.Count > 0) await output.WriteLineAsync($"Deleted {string.Join(", ", result.Deleted)}.");
        foreach (var old in kept)
            await output.WriteLineAsync($"Kept {old}, no longer behind the alias; once it is not needed: curl -X DELETE {url.TrimEnd('/')}/{old}");
        return result.Rejected == 0 ? 0 : 1;
    }
}
