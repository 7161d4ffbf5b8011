using System.Text.Json.Nodes;
using Chat.Domain.Search.Elasticsearch;
using Microsoft.Extensions.Options;

namespace Chat.Tests.Search;

/// <summary>
/// The product's Elasticsearch code on the real official client (as the process builds it: gzip, compatibility
/// headers, product check), against a <see cref="RecordingHttpListener"/> that answers like Elasticsearch 9.x.
/// </summary>
public abstract class ElasticsearchContractTests
{
    protected RecordingHttpListener Server { get; private set; } = null!;

    [SetUp]
    public void StartServer() => Server = new RecordingHttpListener();

    [TearDown]
    public void StopServer() => Server.Dispose();

    /// <summary>A tiny back-off so retry tests stay fast.</summary>
    protected MessageIndex CreateIndex(int maxRetries = 2, Uri? address = null, TimeSpan? baseDelay = null, TimeSpan? requestTimeout = null)
    {
        var options = Options(address, maxRetries, baseDelay, requestTimeout);
        return new MessageIndex(new ElasticsearchConnection(options), options);
    }

    protected IndexVersions CreateVersions()
    {
        var options = Options(null, 0, null, null);
        return new IndexVersions(new ElasticsearchConnection(options), options);
    }

    protected static void AssertJsonEqual(string actual, string expected) =>
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(actual), JsonNode.Parse(expected)), Is.True,
            $"JSON differs.{Environment.NewLine}Expected: {JsonNode.Parse(expected)!.ToJsonString()}{Environment.NewLine}Actual:   {actual}");

    private IOptions<ElasticsearchOptions> Options(Uri? address, int maxRetries, TimeSpan? baseDelay, TimeSpan? requestTimeout) =>
        Microsoft.Extensions.Options.Options.Create(new ElasticsearchOptions
        {
            Url = (address ?? Server.BaseAddress).ToString(),
            MaxRetries = maxRetries,
            BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(1),
            RequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(10),
        });
}
