using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;
using Microsoft.Playwright;
using Microsoft.Playwright.NUnit;

namespace Chat.Tests.Browser;

/// <summary>
/// The demo page (<c>/demo/</c>) in a real browser: Debian's chromium driven by Playwright, two browser contexts (two
/// people, nothing shared) through nginx against two API replicas and the worker (<see cref="DemoSite"/>). Screenshots of
/// a failed test are kept in <c>.run/browser/</c>.
/// </summary>
[NonParallelizable]
public sealed class DemoPageTests : PlaywrightTest
{
    /// <summary>Where Debian's package puts it; Playwright's own browser download does not work on our machines.</summary>
    public const string Chromium = "/usr/bin/chromium";

    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(2);
    private DemoSite _site = null!;
    private HttpClient _http = null!;
    private IBrowser _browser = null!;
    private readonly List<(string Name, IPage Page)> _pages = [];

    [OneTimeSetUp]
    public async Task StartSite()
    {
        _site = await DemoSite.StartAsync();
        _http = new HttpClient { BaseAddress = _site.Url };
    }

    [OneTimeTearDown]
    public async Task StopSite()
    {
        _http.Dispose();
        await _site.DisposeAsync();
    }

    [SetUp]
    public async Task LaunchBrowser()
    {
        // Generous: the machine is shared and slow. Only the arrival time below is held to the 2 s.
        SetDefaultExpectTimeout(20_000);
        _browser = await BrowserType.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Timeout = 60_000 });
    }

    [TearDown]
    public async Task KeepScreenshotsOfAFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            var directory = Path.Combine(Repository.Root, ".run", "browser");
            Directory.CreateDirectory(directory);
            foreach (var (name, page) in _pages)
            {
                var file = Path.Combine(directory, $"{TestContext.CurrentContext.Test.Name}-{name}.png");
                await page.ScreenshotAsync(new() { Path = file, FullPage = true });
                // A CI log keeps no screenshot: what the page showed is said in words too.
                var connection = await page.Locator("#connection").GetAttributeAsync("data-state");
                var error = await page.Locator("#error").TextContentAsync();
                var ticks = await page.Locator("#messages li").EvaluateAllAsync<string[]>(
                    "items => items.map(li => li.dataset.number + ':' + (li.querySelector('.tick')?.dataset.status ?? '-'))");
                TestContext.Out.WriteLine($"[{name}] connection {connection}; error '{error}'; messages {string.Join(' ', ticks)}; screenshot {file}");
            }
            foreach (var line in _site.ReplicaWarnings) TestContext.Out.WriteLine(line);
        }
        _pages.Clear();
        await _browser.CloseAsync();
    }

    [Test]
    public async Task AMessageTypedInOneWindowAppearsInTheOtherWithinTwoSecondsWithTypingAndPresence()
    {
        // user_tokens mode: each window signs in with its own JWT, as an integrator's page would.
        var (token, secret) = await _http.CreateApplicationWithSecretAsync("user_tokens");
        var chat = await CreateChatAsync(token, secret, "alice", "bob");
        var alice = await OpenAsync("alice", token, UserTokens.For(secret, "alice"));
        await OpenChatAsync(alice, chat);
        var bob = await OpenAsync("bob", token, UserTokens.For(secret, "bob"));
        await OpenChatAsync(bob, chat);

        await Expect(bob.Locator("#members li[data-user='alice']")).ToHaveAttributeAsync("data-online", "true");
        await alice.Locator("#composer input").PressSequentiallyAsync("hel");
        await Expect(bob.Locator("#typing")).ToHaveTextAsync("alice is typing…");

        const string text = "hello from alice";
        await alice.Locator("#composer input").FillAsync(text);
        var arrived = bob.WaitForFunctionAsync("text => [...document.querySelectorAll('#messages .body')].some(b => b.textContent === text)",
            text, new() { PollingInterval = 25, Timeout = 30_000 });
        var clock = Stopwatch.StartNew();
        await alice.Locator("#composer button").ClickAsync();
        await arrived;
        var elapsed = clock.Elapsed;
        TestContext.Out.WriteLine($"the message appeared in the other window {elapsed.TotalMilliseconds:0} ms after the send click");
        Assert.That(elapsed, Is.LessThan(Arrival));

        await Expect(bob.Locator("#messages li[data-number='1'] .sender")).ToHaveTextAsync("alice");
        await Expect(alice.Locator("#messages li[data-number='1'] .body")).ToHaveTextAsync(text);

        await Send(bob, "hi alice, reading you live");
        await Expect(alice.Locator("#messages .body")).ToHaveTextAsync([text, "hi alice, reading you live"]);
        await Expect(bob.Locator("#messages li[data-number='2'] .tick")).ToHaveAttributeAsync("data-status", "read");
        await bob.Locator("#composer input").PressSequentiallyAsync("and");
        await Expect(alice.Locator("#typing")).ToHaveTextAsync("bob is typing…");
        await Expect(alice.Locator("#members li[data-user='bob']")).ToHaveAttributeAsync("data-online", "true");
        if (Environment.GetEnvironmentVariable("DEMO_SCREENSHOT") is { Length: > 0 } file) await SideBySideAsync(file, alice, bob);
    }

    /// <summary>The README's picture (<c>DEMO_SCREENSHOT=docs/images/demo.png scripts/test --filter …Browser</c>): both windows side by side.</summary>
    private async Task SideBySideAsync(string file, params IPage[] windows)
    {
        var shots = new List<string>();
        foreach (var window in windows) shots.Add(Convert.ToBase64String(await window.ScreenshotAsync()));
        var page = await (await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1820, Height = 580 } })).NewPageAsync();
        await page.SetContentAsync("<body style='margin:0;background:#888;display:flex;gap:20px;padding:0'>" +
            string.Concat(shots.Select(s => $"<img src='data:image/png;base64,{s}'>")) + "</body>");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Repository.Root, file), FullPage = true });
    }

    [Test]
    public async Task ReadTicksChangeWhenTheOtherReads()
    {
        var token = await _http.CreateApplicationAsync();
        var chat = await CreateChatAsync(token, null, "alice", "bob");
        var alice = await OpenAsync("alice", token);
        await OpenChatAsync(alice, chat);
        var bob = await OpenAsync("bob", token); // connected, but this chat is not open: it receives, it does not read

        await Send(alice, "are you there?");
        var tick = alice.Locator("#messages li[data-number='1'] .tick");
        await Expect(tick).ToHaveAttributeAsync("data-status", "delivered");
        await Expect(bob.Locator($"#chats li[data-chat='{chat}'] .unread")).ToHaveTextAsync("1");
        await Expect(tick).ToHaveTextAsync("✓✓");

        await OpenChatAsync(bob, chat);
        await Expect(tick).ToHaveAttributeAsync("data-status", "read");
        await Expect(bob.Locator($"#chats li[data-chat='{chat}'] .unread")).ToHaveTextAsync("");
    }

    [Test]
    public async Task ASearchHighlightsTheMatch()
    {
        var token = await _http.CreateApplicationAsync();
        var chat = await CreateChatAsync(token, null, "alice", "bob");
        foreach (var body in new[] { "Hello world", "nothing to see", "say HELLO again" })
            await _http.PostMessageAsync(token, chat, body, sender: "bob");
        var alice = await OpenAsync("alice", token);
        await OpenChatAsync(alice, chat);

        await alice.Locator("#search input").FillAsync("lo wo");
        await alice.Locator("#search button").ClickAsync();
        await Expect(alice.Locator("#results li")).ToHaveCountAsync(1);
        await Expect(alice.Locator("#results li mark")).ToHaveTextAsync(["lo wo"]);
        await Expect(alice.Locator("#results li .body")).ToHaveTextAsync("Hello world");

        await alice.Locator("#search input").FillAsync("hello");
        await alice.Locator("#search button").ClickAsync();
        await Expect(alice.Locator("#results li mark")).ToHaveTextAsync(["HELLO", "Hello"]); // newest first, case kept
    }

    [Test]
    public async Task AfterAReconnectWhatWasMissedComesFromTheChangeFeed()
    {
        var token = await _http.CreateApplicationAsync();
        var chat = await CreateChatAsync(token, null, "alice", "bob");
        var bob = await OpenAsync("bob", token);
        await OpenChatAsync(bob, chat);
        await _http.PostMessageAsync(token, chat, "seen live", sender: "alice");
        await Expect(bob.Locator("#messages .body")).ToHaveTextAsync(["seen live"]); // and with it, a feed position

        await PostWhileNginxIsDownAsync(bob, token, chat, "sent while you were away");
        await Expect(bob.Locator("#messages .body")).ToHaveTextAsync(["seen live", "sent while you were away"]);
    }

    [Test]
    public async Task WhatAChatHoldsWhenAPageJoinsItIsReportedDeliveredBeforeTheConnectAndAfterAReconnect()
    {
        var token = await _http.CreateApplicationAsync();
        var chat = await CreateChatAsync(token, null, "alice", "bob");
        await _http.PostMessageAsync(token, chat, "sent before you came", sender: "alice");
        var bob = await OpenAsync("bob", token); // the chat is listed but not open: bob receives, he does not read
        await Expect(bob.Locator($"#chats li[data-chat='{chat}'] .unread")).ToHaveTextAsync("1");
        await DeliveredShouldReachAsync(token, chat, "bob", 1);

        await PostWhileNginxIsDownAsync(bob, token, chat, "sent while you were away");
        await Expect(bob.Locator($"#chats li[data-chat='{chat}'] .unread")).ToHaveTextAsync("2");
        await DeliveredShouldReachAsync(token, chat, "bob", 2);
    }

    /// <summary>The sender's second tick waits for this cursor: neither message reached bob's page through the hub.</summary>
    private async Task DeliveredShouldReachAsync(string token, int chat, string user, int number) =>
        Assert.That(await Eventually.HoldsAsync(async () =>
            (await _http.GetOkAsync($"/applications/{token}/chats/{chat}/members/{user}")).GetProperty("delivered_up_to").GetInt32() == number,
            TimeSpan.FromSeconds(20)), Is.True, $"{user}'s delivered cursor never reached message {number}");

    /// <summary>Stops nginx until <paramref name="page"/> is reconnecting, posts as alice straight to a replica meanwhile, and
    /// returns once the page is online again.</summary>
    private async Task PostWhileNginxIsDownAsync(IPage page, string token, int chat, string body)
    {
        using var direct = new HttpClient { BaseAddress = _site.FirstReplica };
        await _site.RestartNginxAsync(async () =>
        {
            await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
            await direct.PostMessageAsync(token, chat, body, sender: "alice");
        });
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "online", new() { Timeout = 60_000 });
    }

    private async Task<int> CreateChatAsync(string token, string? secret, params string[] members)
    {
        using var response = await _http.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats", new { members });
        return (await response.ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
    }

    /// <summary>A browser context of its own (one person), signed in on the demo page through nginx.</summary>
    private async Task<IPage> OpenAsync(string user, string token, string? userToken = null)
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 900, Height = 560 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        _pages.Add((user, page));
        page.PageError += (_, error) => TestContext.Out.WriteLine($"[{user}] page error: {error}");
        page.Console += (_, message) => TestContext.Out.WriteLine($"[{user}] console {message.Type}: {message.Text}");
        await page.GotoAsync(new Uri(_site.Url, "/demo/").ToString());
        // Shown only once every chat is listed and joined: what follows may count on both.
        await Expect(page.Locator("#app")).ToBeHiddenAsync();
        await page.Locator("#connect input[name=token]").FillAsync(token);
        await page.Locator("#connect input[name=user]").FillAsync(user);
        if (userToken is not null) await page.Locator("#connect input[name=userToken]").FillAsync(userToken);
        await page.Locator("#connect button").ClickAsync();
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "online");
        await Expect(page.Locator("#app")).ToBeVisibleAsync();
        return page;
    }

    private async Task OpenChatAsync(IPage page, int chat)
    {
        await page.Locator($"#chats li[data-chat='{chat}'] button").ClickAsync();
        await Expect(page.Locator($"#chats li[data-chat='{chat}']")).ToHaveClassAsync("open");
    }

    private static async Task Send(IPage page, string text)
    {
        await page.Locator("#composer input").FillAsync(text);
        await page.Locator("#composer button").ClickAsync();
    }
}
