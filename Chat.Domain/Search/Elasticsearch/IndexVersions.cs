using System.Globalization;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.IndexManagement;
using Microsoft.Extensions.Options;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// The physical indices behind the alias: <c>{alias}-v1</c>, <c>{alias}-v2</c>, …. Search and the indexer only ever
/// name the alias; the indexer creates the first version, and a reindex builds the next one and moves the alias
/// (docs/decisions/0011).
/// </summary>
public sealed class IndexVersions(ElasticsearchConnection connection, IOptions<ElasticsearchOptions> options)
{
    private string Alias => options.Value.Alias;

    private ElasticsearchClient Client => connection.Client;

    public string Name(int version) => string.Create(CultureInfo.InvariantCulture, $"{Alias}-v{version}");

    /// <summary>
    /// Creates <c>{alias}-v1</c> as the alias's write index, unless the alias already exists (after a reindex it
    /// points at a later version). Several processes starting together are fine: "already exists" is success.
    /// </summary>
    public async Task EnsureAsync(CancellationToken ct)
    {
        if ((await BehindAliasAsync(ct)).Count > 0) return;
        var response = await Responses.SendAsync(token => Client.Indices.CreateAsync(IndexDefinition.Create(Name(1), Alias), token), ct);
        if (Responses.FailureOf(response) is { } failure && failure.ErrorType != "resource_already_exists_exception") throw failure;
    }

    /// <summary>The indices the alias points at now (none when it does not exist).</summary>
    public async Task<IReadOnlyList<string>> BehindAliasAsync(CancellationToken ct)
    {
        var response = await Responses.SendAsync(token => Client.Indices.GetAliasAsync(new GetAliasRequest(Names.Parse(Alias)), token), ct);
        if (response.ApiCallDetails.HttpStatusCode == 404) return [];
        return [.. (Responses.ThrowIfFailed(response).Aliases?.Keys ?? []).Order(StringComparer.Ordinal)];
    }

    /// <summary>Every <c>{alias}-vN</c> that exists, behind the alias or left over from an interrupted reindex.</summary>
    public async Task<IReadOnlyList<(string Name, int Version)>> AllAsync(CancellationToken ct)
    {
        var response = Responses.ThrowIfFailed(await Responses.SendAsync(
            token => Client.Indices.GetAliasAsync(new GetAliasRequest(Indices.Parse($"{Alias}-v*")), token), ct));
        var prefix = $"{Alias}-v";
        return [.. (response.Aliases?.Keys ?? [])
            .Select(name => (Name: name, Version: int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0))
            .Where(index => index.Version > 0)
            .OrderBy(index => index.Version)];
    }

    /// <summary>A new index with the mapping, not behind the alias yet.</summary>
    public async Task CreateAsync(string index, CancellationToken ct) =>
        Responses.ThrowIfFailed(await Responses.SendAsync(token => Client.Indices.CreateAsync(IndexDefinition.Create(index, alias: null), token), ct));

    /// <summary>
    /// In one atomic step, puts <paramref name="index"/> behind the alias as its write index and keeps
    /// <paramref name="readers"/> behind it for searches only: from here on every write reaches the new index,
    /// and searches see the old ones until it is complete.
    /// </summary>
    public Task SendWritesToAsync(string index, IReadOnlyList<string> readers, CancellationToken ct) => UpdateAliasAsync(
        [
            new IndexUpdateAliasesAction { Add = new AddAction { Index = index, Alias = Alias, IsWriteIndex = true } },
            .. readers.Select(reader => new IndexUpdateAliasesAction { Add = new AddAction { Index = reader, Alias = Alias, IsWriteIndex = false } }),
        ], ct);

    /// <summary>In one atomic step, takes <paramref name="others"/> from behind the alias, which is left on the one index written to.</summary>
    public Task RemoveFromAliasAsync(IReadOnlyList<string> others, CancellationToken ct) => others.Count == 0
        ? Task.CompletedTask
        : UpdateAliasAsync([.. others.Select(other => new IndexUpdateAliasesAction { Remove = new RemoveAction { Index = other, Alias = Alias } })], ct);

    public async Task DeleteAsync(string index, CancellationToken ct) =>
        Responses.ThrowIfFailed(await Responses.SendAsync(token => Client.Indices.DeleteAsync(new DeleteIndexRequest(index), token), ct));

    private async Task UpdateAliasAsync(ICollection<IndexUpdateAliasesAction> actions, CancellationToken ct) =>
        Responses.ThrowIfFailed(await Responses.SendAsync(
            token => Client.Indices.UpdateAliasesAsync(new UpdateAliasesRequest { Actions = actions }, token), ct));
}
