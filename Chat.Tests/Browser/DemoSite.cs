using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Chat.Tests.Browser;

/// <summary>
/// What <c>scripts/dev-up</c> runs, inside the test process: two API replicas on Kestrel (real sockets, WebSockets), the
/// worker, and a private nginx in front of them with the project's own <c>nginx/chat.conf</c>, on a free loopback port
/// (never 8080: other runs on this machine may hold it). Browsers talk only to nginx.
/// </summary>
public sealed class DemoSite : IAsyncDisposable
{
    private readonly List<ApiFactory> _apis;
    private readonly WorkerHost _worker;
    private Process _nginx;
    private readonly string _directory;

    private DemoSite(List<ApiFactory> apis, WorkerHost worker, Process nginx, string directory, Uri url, Uri firstReplica) =>
        (_apis, _worker, _nginx, _directory, Url, FirstReplica) = (apis, worker, nginx, directory, url, firstReplica);

    /// <summary>nginx: what the browsers open.</summary>
    public Uri Url { get; }

    /// <summary>One replica directly, bypassing nginx (for writes while nginx is down).</summary>
    public Uri FirstReplica { get; }

    /// <summary>Warnings and worse that the replicas logged, each with the replica's place in the list.</summary>
    public IEnumerable<string> ReplicaWarnings =>
        _apis.SelectMany((api, i) => api.Logs.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => $"replica {i}: {e}"));

    public string NginxLog => File.Exists(Path.Combine(_directory, "nginx.log")) ? File.ReadAllText(Path.Combine(_directory, "nginx.log")) : "";

    public static async Task<DemoSite> StartAsync()
    {
        var apis = new List<ApiFactory>();
        var replicas = new List<Uri>();
        for (var i = 0; i < 2; i++)
        {
            var api = new ApiFactory();
            api.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            api.StartServer();
            apis.Add(api);
            replicas.Add(new Uri(api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
        }
        var worker = await WorkerHost.StartAsync();

        var port = FreePort();
        // nginx runs its workers as nobody when started by root: its directory must be theirs to write too.
        var directory = Directory.CreateTempSubdirectory("chat-demo-nginx-").FullName;
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111);
        File.WriteAllText(Path.Combine(directory, "nginx.conf"), Config(directory, port, replicas));
        var nginx = StartNginx(directory);
        var site = new DemoSite(apis, worker, nginx, directory, new Uri($"http://127.0.0.1:{port}"), replicas[0]);
        await site.WaitUntilReadyAsync();
        return site;
    }

    /// <summary>Stops nginx (every browser connection drops), runs <paramref name="whileDown"/>, starts nginx again on the same port.</summary>
    public async Task RestartNginxAsync(Func<Task> whileDown)
    {
        StopNginx(_nginx);
        await whileDown();
        _nginx = StartNginx(_directory);
        await WaitUntilReadyAsync();
    }

    private static Process StartNginx(string directory) =>
        Process.Start(new ProcessStartInfo("nginx", ["-e", "stderr", "-c", Path.Combine(directory, "nginx.conf"), "-g", "daemon off;"])
        {
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        }) ?? throw new InvalidOperationException("nginx did not start");

    private static void StopNginx(Process nginx)
    {
        if (nginx.HasExited) return;
        nginx.Kill(entireProcessTree: true); // the master and its workers, which we started
        nginx.WaitForExit(10_000);
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/health/live")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"nginx on {Url} not ready in 60 s: {NginxLog}");
            await Task.Delay(200);
        }
    }

    /// <summary>dev-up's nginx.conf: the shared server block, its <c>listen</c> moved to our port, upstreams of our replicas.</summary>
    private static string Config(string directory, int port, List<Uri> replicas)
    {
        var root = Repository.Root;
        var chat = File.ReadAllText(Path.Combine(root, "nginx", "chat.conf"));
        if (!chat.Contains("listen 8080;")) throw new InvalidOperationException("nginx/chat.conf no longer says `listen 8080;`: update DemoSite");
        var servers = string.Concat(replicas.Select(r => $"        server {r.Host}:{r.Port} fail_timeout=2s;\n"));
        return $$"""
            # Written by Chat.Tests DemoSite for one test run.
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/nginx.log warn;
            events { worker_connections 1024; }
            http {
                client_body_temp_path {{directory}}/body;
                proxy_temp_path       {{directory}}/proxy;
                fastcgi_temp_path     {{directory}}/fastcgi;
                uwsgi_temp_path       {{directory}}/uwsgi;
                scgi_temp_path        {{directory}}/scgi;
                upstream chat_api {
            {{servers}}        keepalive 16;
                }
                upstream chat_hubs {
                    hash $remote_addr consistent;
            {{servers}}    }
            {{chat.Replace("listen 8080;", $"listen 127.0.0.1:{port};").Replace("access_log /dev/stdout", $"access_log {directory}/access.log")}}
            }
            """;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        StopNginx(_nginx);
        await _worker.DisposeAsync();
        foreach (var api in _apis) await api.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

public static class Repository
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ChatSystem.sln"))) return dir.FullName;
            throw new InvalidOperationException("ChatSystem.sln not found above the test's directory.");
        }
    }
}
