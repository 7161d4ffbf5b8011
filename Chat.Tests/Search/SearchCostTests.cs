using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Search;

/// <summary>
/// What one search request may cost: the database provider scans at most its budget of rows per page (a rare word
/// takes more pages, never a longer one) and the server stops a statement past the timeout; a hit lists at most
/// 20 match offsets. The timings behind the budget are bench/run's (docs/benchmarks.md), not asserted here.
/// </summary>
public sealed class SearchCostTests
{
    private const int Budget = 100;
    private ApiFactory _api = null!;
    private SearchTestHost _host = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _api = new ApiFactory(new Dictionary<string, string?> { ["Search:Provider"] = "database", ["Search:ScanBudget"] = $"{Budget}" });
        _host = new SearchTestHost(_api);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _api.DisposeAsync();

    [Test]
    public async Task ARareWordIsFoundPageByPageEachPageScanningAtMostTheBudget()
    {
        var (token, chat) = await GeneratedChatAsync(1_000, rareEvery: 150);

        var (pages, found, firstNext) = await WalkAsync(SearchTestHost.Url(token, chat, "ZANZIBAR", limit: 50));

        Assert.Multiple(() =>
        {
            Assert.That(found, Is.EqualTo(new[] { 900, 750, 600, 450, 300, 150 }), "every match once, newest first");
            Assert.That(pages, Is.EqualTo(1_000 / Budget), "one page per budget of rows");
            Assert.That(firstNext, Does.EndWith($"&before={1_000 - Budget + 1}"), "the first page covers the newest 100 messages");
        });
    }

    [Test]
    public async Task AWordInNoMessageEndsAfterTheWholeChatWithoutAnyPageScanningItAll()
    {
        var (token, chat) = await GeneratedChatAsync(1_000, rareEvery: 150);

        var (pages, found, _) = await WalkAsync(SearchTestHost.Url(token, chat, "xylophone"));

        Assert.Multiple(() =>
        {
            Assert.That(found, Is.Empty);
            Assert.That(pages, Is.EqualTo(1_000 / Budget));
        });
    }

    [Test]
    public async Task ACommonWordFillsItsPageBeforeTheBudgetRunsOut()
    {
        var (token, chat) = await GeneratedChatAsync(1_000, rareEvery: 150);

        var page = await _host.SearchAsync(SearchTestHost.Url(token, chat, "lorem", limit: 20));

        Assert.Multiple(() =>
        {
            Assert.That(SearchTestHost.Numbers(page), Is.EqualTo(Enumerable.Range(981, 20).Reverse()));
            Assert.That(page.GetProperty("next").GetString(), Does.EndWith("&before=981"));
        });
    }

    [Test]
    public async Task AStatementPastTheTimeoutIsStoppedAndTheSearchAnswers503()
    {
        await using var slow = new ApiFactory(new Dictionary<string, string?>
        {
            ["Search:Provider"] = "database", ["Search:ScanBudget"] = "1000000", ["Search:StatementTimeout"] = "00:00:00.001",
        });
        var (token, chat) = await GeneratedChatAsync(20_000, rareEvery: 1_000_000);

        using var response = await slow.CreateClient().GetAsync(SearchTestHost.Url(token, chat, "xylophone"));

        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.That(response.Headers.RetryAfter, Is.Not.Null);
    }

    [Test]
    public async Task AHitListsAtMostTwentyMatchOffsetsAndSaysWhenThereWereMore()
    {
        var token = await _api.CreateApplicationAsync();
        var chat = await _host.CreateChatAsync(token);
        var many = await _host.PostAsync(token, chat, string.Concat(Enumerable.Repeat("ha", 30)));
        var few = await _host.PostAsync(token, chat, "ha ha");

        var page = await _host.SearchAsync(SearchTestHost.Url(token, chat, "HA"));

        var hits = page.GetProperty("data").EnumerateArray().ToDictionary(h => h.GetProperty("number").GetInt32());
        Assert.Multiple(() =>
        {
            Assert.That(hits[many].GetProperty("matches").GetArrayLength(), Is.EqualTo(20));
            Assert.That(hits[many].GetProperty("matches_truncated").GetBoolean(), Is.True);
            Assert.That(hits[few].GetProperty("matches").GetRawText(), Is.EqualTo("""[{"start":0,"length":2},{"start":3,"length":2}]"""));
            Assert.That(hits[few].GetProperty("matches_truncated").GetBoolean(), Is.False);
        });
    }

    /// <summary>A chat persisted by the worker, then filled in MySQL.</summary>
    private async Task<(string Token, int Chat)> GeneratedChatAsync(int messages, int rareEvery)
    {
        var token = await _api.CreateApplicationAsync();
        var chat = await _host.CreateChatAsync(token);
        await using (await WorkerHost.StartAsync(new Dictionary<string, string?> { ["Search:Provider"] = "database" }))
            await WorkerHost.WaitForChatsAsync(token, 1);
        await GeneratedMessages.InsertAsync(token, chat, messages, rareEvery);
        return (token, chat);
    }

    /// <summary>Follows next links to the end: the pages it took, the numbers found, and the first page's next link.</summary>
    private async Task<(int Pages, List<int> Found, string? FirstNext)> WalkAsync(string url)
    {
        var (pages, found, firstNext) = (0, new List<int>(), (string?)null);
        for (string? next = url; next is not null; pages++)
        {
            Assert.That(pages, Is.LessThan(100), "paging ends");
            var page = await _host.SearchAsync(next);
            found.AddRange(SearchTestHost.Numbers(page));
            next = page.GetProperty("next").GetString();
            firstNext ??= next;
        }
        return (pages, found, firstNext);
    }
}
