using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Search;

/// <summary>
/// The search endpoint's behaviour over HTTP, once per provider, after the worker persisted (and, with
/// Elasticsearch, indexed) the messages: the database provider always; the Elasticsearch provider against the
/// in-memory stand-in (wiring: worker → chat.index → bulk → search → hydration) and, when
/// <c>ELASTICSEARCH_URL</c> is set, against a real Elasticsearch 9.
/// </summary>
[TestFixture(Provider.Database)]
[TestFixture(Provider.FakeElasticsearch)]
[TestFixture(Provider.Elasticsearch)]
public sealed class MessageSearchTests(MessageSearchTests.Provider provider)
{
    public enum Provider { Database, FakeElasticsearch, Elasticsearch }

    private FakeElasticsearch? _fake;
    private string? _realIndex;
    private ApiFactory _api = null!;
    private WorkerHost _worker = null!;
    private SearchTestHost _host = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var settings = new Dictionary<string, string?> { ["Search:Provider"] = provider == Provider.Database ? "database" : "elasticsearch" };
        switch (provider)
        {
            case Provider.FakeElasticsearch:
                _fake = new FakeElasticsearch();
                settings["Elasticsearch:Url"] = _fake.Server.BaseAddress.ToString();
                break;
            case Provider.Elasticsearch:
                var url = Environment.GetEnvironmentVariable("ELASTICSEARCH_URL");
                if (string.IsNullOrEmpty(url))
                    Assert.Ignore("ELASTICSEARCH_URL not set: no Elasticsearch to search (e.g. ELASTICSEARCH_URL=http://127.0.0.1:9200); "
                        + "the same cases ran against the database provider and the in-memory stand-in.");
                // An alias of this run's own; its one index (the indexer creates -v1) is deleted afterwards.
                _realIndex = $"chat-messages-test-{Guid.NewGuid():N}";
                settings["Elasticsearch:Url"] = url;
                settings["Elasticsearch:Alias"] = _realIndex;
                break;
        }
        _api = new ApiFactory(settings);
        _worker = await WorkerHost.StartAsync(settings);
        _host = new SearchTestHost(_api);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_worker is not null) await _worker.DisposeAsync();
        if (_api is not null) await _api.DisposeAsync();
        _fake?.Dispose();
        if (_realIndex is not null)
        {
            using var elasticsearch = new HttpClient { BaseAddress = new Uri(Environment.GetEnvironmentVariable("ELASTICSEARCH_URL")!) };
            await elasticsearch.DeleteAsync($"/{_realIndex}-v1");
        }
    }

    [Test]
    public async Task FindsSubstringsIgnoringCaseInAnyScript()
    {
        var (token, chat) = await NewChatAsync();
        var hello = await _host.PostAsync(token, chat, "Hello world", sender: "alice");
        var again = await _host.PostAsync(token, chat, "HELLO again");
        var russian = await _host.PostAsync(token, chat, "Привет, мир!");
        await _host.PostAsync(token, chat, "nothing to see");
        var greek = await _host.PostAsync(token, chat, "ΣΟΦΙΑ");
        await SearchTestHost.WaitForPersistedAsync(token, chat);

        var page = await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "ell"), again, hello);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "lo wo"), hello);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "ПРИВЕТ"), russian);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "мИр"), russian);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "софи"), []);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "σοφ"), greek);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "hello world!"), []);

        var first = page.GetProperty("data")[1];
        Assert.Multiple(() =>
        {
            Assert.That(first.GetProperty("body").GetString(), Is.EqualTo("Hello world"));
            Assert.That(first.GetProperty("sender").GetString(), Is.EqualTo("alice"));
            Assert.That(first.GetProperty("created_at").GetDateTime(), Is.EqualTo(DateTime.UtcNow).Within(TimeSpan.FromMinutes(2)));
            Assert.That(first.GetProperty("matches").GetRawText(), Is.EqualTo("""[{"start":1,"length":3}]"""));
            Assert.That(page.GetProperty("next").ValueKind, Is.EqualTo(JsonValueKind.Null));
        });
        page.ShouldHaveNoIds();
    }

    [Test]
    public async Task SearchesSpecialCharactersLiterally()
    {
        var (token, chat) = await NewChatAsync();
        var percent = await _host.PostAsync(token, chat, "50% off");
        await _host.PostAsync(token, chat, "5000 off");
        var underscore = await _host.PostAsync(token, chat, "snake_case");
        await _host.PostAsync(token, chat, "snakeXcase");
        var backslash = await _host.PostAsync(token, chat, @"C:\temp\file");
        var star = await _host.PostAsync(token, chat, "a*b");
        await _host.PostAsync(token, chat, "aXXb");
        var question = await _host.PostAsync(token, chat, "why? because");
        var syntax = await _host.PostAsync(token, chat, "say \"hi\" (now): ok");
        var quote = await _host.PostAsync(token, chat, "it's O'Brien");
        await SearchTestHost.WaitForPersistedAsync(token, chat);

        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "0% o"), percent);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "%"), percent);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "e_c"), underscore);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, @"\"), backslash);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, @":\temp\"), backslash);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "*"), star);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "a*b"), star);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "?"), question);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "\"hi\" (now):"), syntax);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "'s o'b"), quote);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "hi OR ok"), []);
    }

    [Test]
    public async Task SearchesOnlyTheRequestedChat()
    {
        var (token, chat) = await NewChatAsync();
        var other = await _host.CreateChatAsync(token);
        var (otherToken, otherAppChat) = await NewChatAsync();
        var mine = await _host.PostAsync(token, chat, "shared words");
        var theirs = await _host.PostAsync(token, other, "shared words too");
        await _host.PostAsync(otherToken, otherAppChat, "shared words elsewhere");
        await SearchTestHost.WaitForPersistedAsync(token, chat, other);
        await SearchTestHost.WaitForPersistedAsync(otherToken, otherAppChat);

        var page = await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "shared"), mine);
        Assert.That(page.GetProperty("data")[0].GetProperty("body").GetString(), Is.EqualTo("shared words"));
        await _host.SearchUntilAsync(SearchTestHost.Url(token, other, "shared"), theirs);
    }

    [Test]
    public async Task ReflectsEditsAndDeletions()
    {
        var (token, chat) = await NewChatAsync();
        var edited = await _host.PostAsync(token, chat, "alpha one");
        var deleted = await _host.PostAsync(token, chat, "alpha two");
        var kept = await _host.PostAsync(token, chat, "alpha three");
        await SearchTestHost.WaitForPersistedAsync(token, chat);
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "alpha"), kept, deleted, edited);

        await _host.EditAsync(token, chat, edited, "beta one");
        await _host.DeleteAsync(token, chat, deleted);
        await SearchTestHost.WaitForPersistedAsync(token, chat);

        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "alpha"), kept);
        var page = await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "BETA"), edited);
        Assert.That(page.GetProperty("data")[0].GetProperty("body").GetString(), Is.EqualTo("beta one"));
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "two"), []);
    }

    [Test]
    public async Task PagesNewestFirstThroughNextLinks()
    {
        var (token, chat) = await NewChatAsync();
        var matching = new List<int>();
        for (var i = 1; i <= 14; i++)
        {
            var number = await _host.PostAsync(token, chat, i % 2 == 0 ? $"needle {i}" : $"hay {i}");
            if (i % 2 == 0) matching.Add(number);
        }
        await SearchTestHost.WaitForPersistedAsync(token, chat);
        matching.Reverse();
        await _host.SearchUntilAsync(SearchTestHost.Url(token, chat, "NEEDLE"), [.. matching]);

        var seen = new List<int>();
        var url = SearchTestHost.Url(token, chat, "needle", limit: 3);
        for (var pages = 0; url is not null; pages++)
        {
            Assert.That(pages, Is.LessThan(10), "paging ends");
            var page = await _host.SearchAsync(url);
            var numbers = SearchTestHost.Numbers(page);
            Assert.That(numbers, Has.Length.LessThanOrEqualTo(3));
            seen.AddRange(numbers);
            url = page.GetProperty("next").GetString();
            if (url is not null) Assert.That(url, Does.Contain("q=needle").And.Contain("limit=3").And.Contain($"before={numbers[^1]}"));
        }
        Assert.That(seen, Is.EqualTo(matching), "every match once, newest first");
    }

    private async Task<(string Token, int Chat)> NewChatAsync()
    {
        var token = await _api.CreateApplicationAsync();
        return (token, await _host.CreateChatAsync(token));
    }
}
