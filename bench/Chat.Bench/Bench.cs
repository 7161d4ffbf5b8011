using System.Diagnostics;

namespace Chat.Bench;

/// <summary>Everything a measurement needs.</summary>
public sealed record Bench(Settings Settings, Api Api, Database Db, Broker Broker, Processes Processes, Report Report)
{
    public CpuSampler Cpu { get; } = new(Processes);

    /// <summary>Message creation in one chat through nginx (measurement 1), for the reads that are compared with it.</summary>
    public WrkSeries? Creation { get; set; }

    /// <summary>CPU milliseconds of all processes per created message (measurement 1), for costs stated as a share of it.</summary>
    public double CpuPerCreatedMessage { get; set; } = double.NaN;

    public static void Step(string text) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {text}");
}

/// <summary>
/// The data every measurement works on. The product application and its chats go through the API; the big
/// histories are written straight to MySQL, as the worker would have left them, because pushing 1.6 million
/// messages through the API would take longer than the whole benchmark may.
/// </summary>
/// <param name="UserTokensToken">An application in user_tokens mode whose chat 1 has <see cref="Fixtures.BenchUser"/>; <paramref name="UserToken"/> is that user's.</param>
/// <param name="OpenMemberToken">An application in open mode whose chat 1 has <see cref="Fixtures.BenchUser"/>: the same writes as a
/// user token's (the sender a member, so the sender's cursors move with each message) without the credential.</param>
public sealed record Fixtures(
    string ProductToken, long ProductApp,
    string UserTokensToken, string UserToken, string OpenMemberToken,
    string HistoryToken,
    string ManyToken,
    string PlainPageToken, string ReactedPageToken,
    string DirectToken,
    long DrainApp, IReadOnlyList<(int Number, long Row)> DrainChats)
{
    public static async Task<Fixtures> CreateAsync(Bench bench)
    {
        var s = bench.Settings;
        var db = bench.Db;
        Bench.Step("Creating the product application (through the API) and the generated data sets (SQL) ...");
        var (productToken, productApp) = ("", 0L);
        if (s.Measures("creation") || s.Measures("lag") || s.Measures("memory") || s.Measures("telemetry") || s.Measures("soak"))
        {
            productToken = await bench.Api.CreateApplicationAsync("bench");
            productApp = await db.ApplicationIdAsync(productToken);
            await bench.Api.CreateChatAsync(productToken); // chat 1: the single-chat write load
        }
        var (userTokensToken, userToken, openMemberToken) = ("", "", "");
        if (s.Measures("creation"))
        {
            var locked = await bench.Api.CreateApplicationAsync("bench user tokens", "user_tokens");
            await bench.Api.CreateChatAsync(locked, [BenchUser]);
            (userTokensToken, userToken) = (locked.Token, Api.UserToken(locked.Secret, BenchUser, TimeSpan.FromHours(12)));
            var open = await bench.Api.CreateApplicationAsync("bench open with a member", "open");
            await bench.Api.CreateChatAsync(open, [BenchUser]);
            openMemberToken = open.Token;
        }

        var history = await db.CreateApplicationAsync("bench history", 1);
        var historyChat = await db.ChatRowAsync(history.Id, 1);
        var many = await db.CreateApplicationAsync("bench many chats", s.ManyChats);
        // Two chats alike but for reactions on every message: what the reactions add to a page read.
        var plainPage = await db.CreateApplicationAsync("bench page without reactions", 1);
        var reactedPage = await db.CreateApplicationAsync("bench page with reactions", 1);
        if (s.Measures("reads") || s.Measures("search"))
        {
            var clock = Stopwatch.StartNew();
            await db.GenerateMessagesAsync(history.Id, [(1, historyChat)], s.HistoryMessages);
            await db.GenerateMessagesAsync(many.Id, await RowsAsync(db, many.Id, s.ManyChats), s.MessagesPerChat);
            await db.GenerateMessagesAsync(plainPage.Id, await RowsAsync(db, plainPage.Id, 1), s.MessagesPerChat);
            var reacted = await RowsAsync(db, reactedPage.Id, 1);
            await db.GenerateMessagesAsync(reactedPage.Id, reacted, s.MessagesPerChat);
            await db.ReactToEveryMessageAsync(reacted[0].Row);
            var generated = s.HistoryMessages + s.ManyChats * s.MessagesPerChat;
            bench.Report.Note($"Set-up: {generated:N0} messages generated with SQL in {clock.Elapsed.TotalSeconds:0} s " +
                              $"(one chat of {s.HistoryMessages:N0}; {s.ManyChats:N0} chats of {s.MessagesPerChat}).");
        }

        var direct = await db.CreateApplicationAsync("bench direct", 100);
        // One chat per drain run and raw run, and the last one for the soak's worker.
        var drain = await db.CreateApplicationAsync("bench drain", s.DrainRuns + s.Runs + 1);
        var drainChats = await RowsAsync(db, drain.Id, s.DrainRuns + s.Runs + 1);
        return new Fixtures(productToken, productApp, userTokensToken, userToken, openMemberToken, history.Token, many.Token, plainPage.Token, reactedPage.Token, direct.Token, drain.Id, drainChats);
    }

    /// <summary>The end user whose token drives the user-token creation runs.</summary>
    public const string BenchUser = "bench-user";

    private static async Task<List<(int Number, long Row)>> RowsAsync(Database db, long applicationId, int chats)
    {
        await using var connection = await db.OpenAsync();
        await using var command = new MySqlConnector.MySqlCommand("SELECT number, id FROM chats WHERE application_id = @app ORDER BY number", connection);
        command.Parameters.AddWithValue("@app", applicationId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(int, long)>(chats);
        while (await reader.ReadAsync()) rows.Add((reader.GetInt32(0), reader.GetInt64(1)));
        return rows;
    }
}
