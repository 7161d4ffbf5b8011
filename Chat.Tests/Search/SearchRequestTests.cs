using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Search;

/// <summary>
/// The search endpoint's request rules, and read-your-writes with the database provider: pending states in
/// Redis are merged over MySQL, so search agrees with GET from the moment a write is accepted.
/// </summary>
public sealed class SearchRequestTests
{
    private static readonly Dictionary<string, string?> Database = new() { ["Search:Provider"] = "database" };
    private ApiFactory _api = null!;
    private SearchTestHost _host = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _api = new ApiFactory(Database);
        _host = new SearchTestHost(_api);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _api.DisposeAsync();

    [TestCase("", TestName = "QueryMissingIs400")]
    [TestCase("q=", TestName = "QueryEmptyIs400")]
    [TestCase("q=%20%20%09", TestName = "QueryBlankIs400")]
    [TestCase("q=x&limit=0", TestName = "LimitZeroIs400")]
    [TestCase("q=x&limit=201", TestName = "LimitOverMaximumIs400")]
    [TestCase("q=x&limit=ten", TestName = "LimitNotANumberIs400")]
    [TestCase("q=x&before=0", TestName = "BeforeZeroIs400")]
    public async Task BadQueryParameterIsA400Problem(string query)
    {
        var (token, chat) = await NewChatAsync();
        using var response = await _host.Client.GetAsync($"/applications/{token}/chats/{chat}/messages/search?{query}");
        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task QueryOf200CharactersIsAcceptedAnd201IsA400Problem()
    {
        var (token, chat) = await NewChatAsync();
        using var longest = await _host.Client.GetAsync(SearchTestHost.Url(token, chat, new string('я', 200)));
        await longest.ShouldBeAsync(HttpStatusCode.OK);
        using var tooLong = await _host.Client.GetAsync(SearchTestHost.Url(token, chat, new string('я', 201)));
        var problem = await tooLong.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("200"));
    }

    [Test]
    public async Task UnknownTokenOrChatIs404AndChatsOfAnotherApplicationAreUnreachable()
    {
        var (token, chat) = await NewChatAsync();
        var (otherToken, _) = await NewChatAsync();
        await _host.PostAsync(token, chat, "secret plans");

        foreach (var url in new[]
                 {
                     SearchTestHost.Url("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", chat, "secret"),
                     SearchTestHost.Url("not-a-token", chat, "secret"),
                     SearchTestHost.Url(token, 999_999, "secret"),
                     SearchTestHost.Url(token, 0, "secret"),
                 })
        {
            using var response = await _host.Client.GetAsync(url);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), url);
        }
        // The other application's chat with the same number is its own chat.
        Assert.That(SearchTestHost.Numbers(await _host.SearchAsync(SearchTestHost.Url(otherToken, chat, "secret"))), Is.Empty);
        Assert.That(SearchTestHost.Numbers(await _host.SearchAsync(SearchTestHost.Url(token, chat, "secret"))), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task FindsAcceptedMessagesBeforeTheWorkerPersistsThem()
    {
        var (token, chat) = await NewChatAsync();
        var first = await _host.PostAsync(token, chat, "Fresh news", sender: "bob");
        var second = await _host.PostAsync(token, chat, "more fresh NEWS");

        var page = await _host.SearchAsync(SearchTestHost.Url(token, chat, "news"));
        Assert.That(SearchTestHost.Numbers(page), Is.EqualTo(new[] { second, first }));
        Assert.That(page.GetProperty("data")[1].GetProperty("sender").GetString(), Is.EqualTo("bob"));
        Assert.That(page.GetProperty("data")[0].GetProperty("matches").GetRawText(), Is.EqualTo("""[{"start":11,"length":4}]"""));

        await _host.EditAsync(token, chat, first, "old story");
        await _host.DeleteAsync(token, chat, second);
        Assert.That(SearchTestHost.Numbers(await _host.SearchAsync(SearchTestHost.Url(token, chat, "news"))), Is.Empty);
        Assert.That(SearchTestHost.Numbers(await _host.SearchAsync(SearchTestHost.Url(token, chat, "story"))), Is.EqualTo(new[] { first }));
    }

    [Test]
    public async Task PendingEditOrDeletionHidesTheStalePersistedMatch()
    {
        var (token, chat) = await NewChatAsync();
        int edited, deleted;
        await using (await WorkerHost.StartAsync(Database))
        {
            edited = await _host.PostAsync(token, chat, "draft version");
            deleted = await _host.PostAsync(token, chat, "draft to drop");
            await SearchTestHost.WaitForPersistedAsync(token, chat);
        }

        // No worker now: the changes stay pending in Redis, over the persisted rows.
        await _host.EditAsync(token, chat, edited, "final version");
        await _host.DeleteAsync(token, chat, deleted);

        Assert.That(SearchTestHost.Numbers(await _host.SearchAsync(SearchTestHost.Url(token, chat, "draft"))), Is.Empty);
        Assert.That(SearchTestHost.Numbers(await _host.SearchAsync(SearchTestHost.Url(token, chat, "version"))), Is.EqualTo(new[] { edited }));
    }

    [Test]
    public async Task ReadinessNamesTheDatabaseProvider()
    {
        using var response = await _host.Client.GetReadinessAsync();
        var search = (await response.ShouldBeAsync(HttpStatusCode.OK)).GetProperty("checks").GetProperty("search");
        Assert.That(search.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
        Assert.That(search.GetProperty("description").GetString(), Is.EqualTo("database"));
    }

    [Test]
    public async Task ElasticsearchProviderWithoutUrlStopsTheStartNamingTheKey()
    {
        await using var misconfigured = new ApiFactory(new Dictionary<string, string?> { ["Search:Provider"] = "elasticsearch" });

        var error = Assert.Catch(() => misconfigured.CreateClient());

        Assert.That(error!.ToString(), Does.Contain("Elasticsearch:Url"));
    }

    private async Task<(string Token, int Chat)> NewChatAsync()
    {
        var token = await _api.CreateApplicationAsync();
        return (token, await _host.CreateChatAsync(token));
    }
}
