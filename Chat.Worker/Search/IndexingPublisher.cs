using Chat.Domain.Messaging;
using Chat.Domain.Pipeline;
using Chat.Domain.Search;
using Chat.Domain.Search.Elasticsearch;
using Chat.Domain.Search.Indexing;
using Chat.Worker.Persistence;
using Microsoft.Extensions.Options;

namespace Chat.Worker.Search;

/// <summary>
/// Turns what a committed batch wrote into index commands on <c>chat.index</c>, confirmed by the broker before
/// the batch is acknowledged: a crash in between redelivers the batch, which publishes again. Nothing is
/// published with the database provider.
/// </summary>
public sealed class IndexingPublisher(
    IOptions<SearchOptions> search, CommandPublisher publisher, RabbitMqConnection broker, IOptions<MessagingOptions> messaging)
{
    private volatile bool _declared;

    public async Task PublishAsync(BatchOutcome outcome, CancellationToken ct)
    {
        if (!search.Value.UsesElasticsearch) return;
        var commands = Commands(outcome);
        if (commands.Count == 0) return;

        await DeclareOnceAsync(ct);
        await Task.WhenAll(commands.Chunk(IndexBatch.MaxCommands).Select(chunk =>
            publisher.PublishAsync(IndexTopology.Queue, new IndexBatch(chunk).ToJson(), messageId: null, headers: null, ct)));
    }

    /// <summary>Message writes first, then whole chats and applications, so a removal is applied after them.</summary>
    public static List<IndexCommand> Commands(BatchOutcome outcome)
    {
        var commands = new List<IndexCommand>();
        foreach (var message in outcome.Messages)
        {
            var chatKey = SearchKeys.Chat(message.ApplicationId, message.ChatNumber);
            var version = Versions.Of(message.UpdatedAt);
            commands.Add(message.DeletedAt is null
                ? new IndexMessage(new MessageDocument(chatKey, SearchKeys.Application(message.ApplicationId), message.Number,
                    message.Body, new DateTimeOffset(DateTime.SpecifyKind(message.CreatedAt, DateTimeKind.Utc))), version)
                : new RemoveMessage(chatKey, message.Number, version));
        }
        foreach (var chat in outcome.Chats.Where(c => c.DeletedAt is not null))
            commands.Add(new RemoveChat(SearchKeys.Chat(chat.ApplicationId, chat.Number), SearchKeys.Application(chat.ApplicationId)));
        foreach (var application in outcome.DeletedApplications)
            commands.Add(new RemoveApplication(SearchKeys.Application(application)));
        return commands;
    }

    /// <summary>Publishing to an exchange that does not exist would close the channel.</summary>
    private async Task DeclareOnceAsync(CancellationToken ct)
    {
        if (_declared) return;
        await using var channel = await (await broker.GetAsync(ct)).CreateChannelAsync(cancellationToken: ct);
        await IndexTopology.DeclareAsync(channel, messaging.Value.DeliveryLimit, ct);
        _declared = true;
    }
}
