using Chat.Domain;
using Chat.Worker.DeadLetters;
using Chat.Worker.Migrations;
using Chat.Worker.Search;

namespace Chat.Worker;

public static class Program
{
    /// <summary>
    /// Without arguments the worker runs. Commands that run once and exit:
    /// <c>migrate</c> applies the schema; <c>reindex</c> builds a new search index from MySQL;
    /// <c>replay-dead-letters</c> moves dead-lettered commands back to their queue.
    /// </summary>
    public static async Task<int> Main(string[] args) => args switch
    {
        ["migrate", ..] => await Migrator.RunAsync(args[1..]),
        ["reindex", .. var rest] => await ReindexCommand.RunAsync(rest, Console.Out, ct: Interrupt()),
        ["replay-dead-letters", .. var rest] => await DeadLetterReplay.RunAsync(rest, Console.Out, ct: Interrupt()),
        _ => await RunAsync(args),
    };

    private static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddChatDomain();
        builder.AddWorker();
        await builder.Build().RunAsync();
        return 0;
    }

    /// <summary>Ctrl-C stops a command between two steps rather than killing it halfway through one.</summary>
    private static CancellationToken Interrupt()
    {
        var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        return stop.Token;
    }
}
