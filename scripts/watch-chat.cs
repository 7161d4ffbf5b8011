// Prints a chat's real-time events as they happen, over WebSockets through nginx, with the official
// SignalR client. Usage: scripts/watch-chat TOKEN CHAT [USER] [URL]   (URL default http://127.0.0.1:8080)
// With USER (a member of the chat) the watcher also counts as that user being online. Ctrl+C stops it.
#:package Microsoft.AspNetCore.SignalR.Client
// File-based apps default to native AOT, which turns off the reflection-based JSON the client uses.
#:property PublishAot=false
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

if (args.Length is < 2 or > 4 || !int.TryParse(args[1], out var chat))
{
    Console.Error.WriteLine("usage: scripts/watch-chat TOKEN CHAT [USER] [URL]");
    return 2;
}
var token = args[0];
var user = args.Length > 2 && args[2].Length > 0 ? args[2] : null;
var url = (args.Length > 3 ? args[3] : "http://127.0.0.1:8080").TrimEnd('/') + "/hubs/chat";

await using var connection = new HubConnectionBuilder().WithUrl(url).WithAutomaticReconnect().Build();
foreach (var name in new[] { "messageCreated", "messageUpdated", "messageDeleted", "receiptUpdated", "typing" })
    connection.On<JsonElement>(name, payload => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name} {payload}"));

// Groups do not survive a reconnect (possibly to another replica): join again, then catch up from the history.
connection.Reconnected += async _ => Console.WriteLine(
    $"reconnected, joined again: {await connection.InvokeAsync<JsonElement>("Join", token, chat, user)}; " +
    "fetch messages?after=<last number seen> for what was missed");

await connection.StartAsync();
Console.WriteLine($"joined {url}: {await connection.InvokeAsync<JsonElement>("Join", token, chat, user)} (Ctrl+C stops)");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
await stop.Task;
return 0;
