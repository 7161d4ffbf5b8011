using Chat.Bench.Server;

// Two comparison points for bench/run, served behind their own nginx (127.0.0.1:8081):
//   POST /ceiling/chats/{chat}/messages                      Redis INCR + a persistent publish awaiting its confirm
//   POST /direct/applications/{token}/chats/{chat}/messages   the direct-write design: SELECT … FOR UPDATE + INSERT
// and, on each instance directly, a webhook receiver: POST /hooks answers 204, GET /hooks/received counts them.
var builder = WebApplication.CreateBuilder(args);
builder.AddCeiling();
builder.AddDirectWrite();

var app = builder.Build();
app.MapCeiling();
app.MapDirectWrite();
app.MapWebhookReceiver();
await app.Services.GetRequiredService<ConfirmedPublisher>().OpenAsync();
await app.Services.GetRequiredService<StackExchange.Redis.IDatabase>().PingAsync();
app.Run();
