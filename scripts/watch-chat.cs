// Prints a chat's real-time events as they happen, over WebSockets through nginx, with the official SignalR client.
// Usage: scripts/watch-chat [--user-token JWT] TOKEN CHAT [USER] [URL]   (URL default http://127.0.0.1:8080)
// With USER (a member of the chat) the watcher also counts as that user being online. With --user-token it connects as
// that token's user (SignalR's accessTokenFactory, the application named in the hub URL), as an end user's app would;
// USER may then only be that user. Ctrl+C stops it.
#:package Microsoft.AspNetCore.SignalR.Client
// File-based apps default to native AOT, which turns off the reflection-based JSON the client uses.
#:property PublishAot=false
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

string? userToken = null;
if (args.Length >= 2 && args[0] == "--user-token") (userToken, args) = (args[1], args[2..]);
if (args.Length is < 2 or > 4 || !int.TryParse(args[1], out var chat))
{
    Console.Error.WriteLine("usage: scripts/watch-chat [--user-token JWT] TOKEN CHAT [USER] [URL]");
    return 2;
}
var token = args[0];
var user = args.Length > 2 && args[2].Length > 0 ? args[2] : null;
var url = (args.Length > 3 ? args[3] : "http://127.0.0.1:8080").TrimEnd('/') + "/hubs/chat";
if (userToken is not null) url += $"?application={Uri.EscapeDataString(token)}";

await using var connection = new HubConnectionBuilder()
    .WithUrl(url, o => { if (userToken is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(userToken); })
    .WithAutomaticReconnect().Build();
foreach (var name in new[] { "messageCreated", "messageUpdated", "messageDeleted", "receiptUpdated", "typing" })
    connection.On<JsonElement>(name, payload => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name} {payload}"));

// Groups do not survive a reconnect (possibly to another replica): join again, then catch up from the history.
connection.Reconnected += async _ => Console.WriteLine(
    $"reconnected, joined again: {await connection.InvokeAsync<JsonElement>("Join", token, chat, user)}; " +
    "fetch messages?after=<last number seen> for what was missed");
// A connection made with a user token is closed when the token expires: the app gets a new token and connects again.
connection.Closed += error =>
{
    Console.WriteLine($"closed{(error is null ? "" : $": {error.Message}")}");
    return Task.CompletedTask;
};

await connection.StartAsync();
Console.WriteLine($"joined {url}: {await connection.InvokeAsync<JsonElement>("Join", token, chat, user)} (Ctrl+C stops)");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
await stop.Task;
return 0;
