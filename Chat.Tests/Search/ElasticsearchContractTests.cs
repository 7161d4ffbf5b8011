using System.Text.Json.Nodes;
using Chat.Domain.Search.Elasticsearch;
using Microsoft.Extensions.Options;

namespace Chat.Tests.Search;

/// <summary>Runs the real client against a <see cref="RecordingHttpListener"/> that answers like Elasticsearch 8.x.</summary>
public abstract class ElasticsearchContractTests
{
    private readonly List<HttpClient> _httpClients = [];

    protected RecordingHttpListener Server { get; private set; } = null!;

    [SetUp]
    public void StartServer() => Server = new RecordingHttpListener();

    [TearDown]
    public void StopServer()
    {
        Server.Dispose();
        _httpClients.ForEach(http => http.Dispose());
        _httpClients.Clear();
    }

    /// <summary>A client with a tiny back-off so retry tests stay fast.</summary>
    protected ElasticsearchClient CreateClient(int maxRetries = 2, Uri? address = null, TimeSpan? baseDelay = null)
    {
        var http = new HttpClient { BaseAddress = address ?? Server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        _httpClients.Add(http);
        return new ElasticsearchClient(http, Options.Create(new ElasticsearchOptions
        {
            Url = http.BaseAddress!.ToString(),
            MaxRetries = maxRetries,
            BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(1),
        }));
    }

    protected static void AssertJsonEqual(string actual, string expected) =>
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(actual), JsonNode.Parse(expected)), Is.True,
            $"JSON differs.{Environment.NewLine}Expected: {JsonNode.Parse(expected)!.ToJsonString()}{Environment.NewLine}Actual:   {actual}");
}
