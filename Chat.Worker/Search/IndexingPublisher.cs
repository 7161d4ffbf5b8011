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
public sealed class IndexingPublisher(IOptions<SearchOptions> search, CommandPublisher publisher, IndexQueues queues)
{
    public async Task PublishAsync(BatchOutcome outcome, CancellationToken ct)
    {
        if (!search.Value.UsesElasticsearch) return;
        var commands = Commands(outcome);
        if (commands.Count == 0) return;

        await queues.EnsureAsync(ct);
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
                ? new IndexMessage(Document(message.ApplicationId, message.ChatNumber, message.Number, message.Body, message.CreatedAt), version)
                : new RemoveMessage(chatKey, message.Number, version));
        }
        foreach (var chat in outcome.Chats.Where(c => c.DeletedAt is not null))
            commands.Add(new RemoveChat(SearchKeys.Chat(chat.ApplicationId, chat.Number), SearchKeys.Application(chat.ApplicationId)));
        foreach (var application in outcome.DeletedApplications)
            commands.Add(new RemoveApplication(SearchKeys.Application(application)));
        return commands;
    }

    /// <summary>A message as indexed; MySQL's timestamps are UTC.</summary>
    public static MessageDocument Document(long applicationId, int chatNumber, int number, string body, DateTime createdAt) => new(
        SearchKeys.Chat(applicationId, chatNumber), SearchKeys.Application(applicationId), number, body,
        new DateTimeOffset(DateTime.SpecifyKind(createdAt, DateTimeKind.Utc)));
}
