using Chat.Tests.Infrastructure;

namespace Chat.Tests.Messages;

/// <summary>History pages over messages that are still pending in Redis (no worker running).</summary>
public sealed class PendingHistoryTests : OneApiHost
{
    [Test]
    public async Task NewestFirstPagesOfPendingMessagesStartAtTheNewestAndWalkBackToTheFirst()
    {
        var token = await Api.CreateApplicationAsync();
        var client = Api.CreateClient();
        var chat = await client.CreateChatAsync(token, new { });
        for (var i = 1; i <= 5; i++) await client.PostMessageAsync(token, chat, $"m{i}");

        var seen = new List<int>();
        for (var url = $"/applications/{token}/chats/{chat}/messages?limit=2"; url is not null;)
        {
            var page = await client.GetOkAsync(url);
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("number").GetInt32()));
            url = page.GetProperty("next").GetString();
        }
        Assert.That(seen, Is.EqualTo(new[] { 5, 4, 3, 2, 1 }));
    }
}
