using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Compatibility;

/// <summary>The framework's own 400s read like ours: problem+json in the client's terms, no framework internals.</summary>
public sealed class FrameworkErrorsTests : OneApiHost
{
    [Test]
    public async Task PostWithoutABodyIsAProblemThatSaysSo()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/applications")
            { Content = new ByteArrayContent([]) { Headers = { ContentType = new("application/json") } } };
        var problem = await (await Client.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString();
        Assert.That(detail, Does.Contain("needs a JSON body"));
        Assert.That(detail, Does.Not.Contain("Implicit").And.Not.Contain("Service"));
    }

    [Test]
    public async Task AQueryParameterOfTheWrongTypeIsNamedInTheClientsTerms()
    {
        var token = await Api.CreateApplicationAsync();
        var problem = await (await Client.GetAsync($"/applications/{token}/chats?limit=many")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        var detail = problem.GetProperty("detail").GetString();
        Assert.That(detail, Is.EqualTo("'limit' must be an integer."));
    }
}
