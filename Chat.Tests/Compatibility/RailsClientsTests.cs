using System.Net;
using System.Net.Http.Json;
using System.Text;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Compatibility;

/// <summary>A client written for a Rails implementation of this API works unchanged (forms, wrapped params, /api/v1).</summary>
public sealed class RailsClientsTests : OneApiHost
{
    [Test]
    public async Task FormEncodedBodiesCreateApplicationsChatsAndMessages()
    {
        var app = await (await Client.PostAsync("/applications", Form(("name", "Rails shop"))))
            .ShouldBeAsync(HttpStatusCode.Created);
        var token = app.GetProperty("token").GetString()!;
        Assert.That(app.GetProperty("name").GetString(), Is.EqualTo("Rails shop"));

        var chat = await (await Client.PostAsync($"/applications/{token}/chats",
                Form(("chat[name]", "support"), ("chat[members][]", "alice"), ("chat[members][]", "bob"), ("chat[distinct]", "true"))))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(chat.GetProperty("name").GetString(), Is.EqualTo("support"));
        Assert.That(chat.GetProperty("members").Strings(), Is.EquivalentTo(new[] { "alice", "bob" }));
        var number = chat.GetProperty("number").GetInt32();

        var message = await (await Client.PostAsync($"/applications/{token}/chats/{number}/messages",
            Form(("message[body]", "hello from rails"), ("message[sender]", "alice")))).ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(message.GetProperty("body").GetString(), Is.EqualTo("hello from rails"));
        Assert.That(message.GetProperty("sender").GetString(), Is.EqualTo("alice"));

        var receipt = await (await Client.PostAsync($"/applications/{token}/chats/{number}/receipts",
            Form(("user", "bob"), ("read_up_to", message.GetProperty("number").GetInt32().ToString())))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(receipt.GetProperty("read_up_to").GetInt32(), Is.EqualTo(message.GetProperty("number").GetInt32()));
    }

    [Test]
    public async Task MultipartBodiesAreReadLikeForms()
    {
        var token = await Api.CreateApplicationAsync();
        var chat = await Client.CreateChatAsync(token, new { });
        using var multipart = new MultipartFormDataContent { { new StringContent("sent as multipart"), "message[body]" } };
        var message = await (await Client.PostAsync($"/applications/{token}/chats/{chat}/messages", multipart))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(message.GetProperty("body").GetString(), Is.EqualTo("sent as multipart"));
    }

    [Test]
    public async Task AFormOrNameThatCannotBeReadIsA400Problem()
    {
        var token = await Api.CreateApplicationAsync();
        var chat = await Client.CreateChatAsync(token, new { });
        var url = $"/applications/{token}/chats/{chat}/messages";
        // A multipart content type whose body has no such boundary, and a form key past the framework's form limits.
        var noBoundary = new StringContent("""{"body":"hi"}""", Encoding.UTF8);
        noBoundary.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        var longKey = new StringContent(new string('k', 5000) + "=v", Encoding.UTF8, "application/x-www-form-urlencoded");

        // And a JSON property name that is no valid UTF-16 once unescaped (the wrapper check reads the first name).
        var loneSurrogate = new StringContent("{\"\\ud800\":1}", Encoding.UTF8, "application/json");

        foreach (var content in new HttpContent[] { noBoundary, longKey })
        {
            using var response = await Client.PostAsync(url, content);
            var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
            Assert.That(problem.GetProperty("detail").GetString(), Does.StartWith("The form body cannot be read"));
        }
        using (var response = await Client.PostAsync(url, loneSurrogate))
            await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task RailsWrappedJsonIsUnwrapped()
    {
        var token = await (await Client.PostAsJsonAsync("/applications", new { application = new { name = "wrapped" } }))
            .ShouldBeAsync(HttpStatusCode.Created);
        var app = token.GetProperty("token").GetString()!;
        Assert.That(token.GetProperty("name").GetString(), Is.EqualTo("wrapped"));
        var chat = await Client.CreateChatAsync(app, new { });

        var created = await (await Client.PostAsJsonAsync($"/applications/{app}/chats/{chat}/messages", new { message = new { body = "wrapped body" } }))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(created.GetProperty("body").GetString(), Is.EqualTo("wrapped body"));

        var edited = await (await Client.SendJsonAsync(HttpMethod.Patch, $"/applications/{app}/chats/{chat}/messages/{created.GetProperty("number").GetInt32()}",
            new { message = new { body = "edited" } })).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(edited.GetProperty("body").GetString(), Is.EqualTo("edited"));
    }

    [Test]
    public async Task ApiV1PrefixReachesTheSameEndpoints()
    {
        var created = await (await Client.PostAsJsonAsync("/api/v1/applications", new { name = "aliased" })).ShouldBeAsync(HttpStatusCode.Created);
        var token = created.GetProperty("token").GetString()!;
        var fetched = await Client.GetOkAsync($"/api/v1/applications/{token}");
        Assert.That(fetched.GetProperty("name").GetString(), Is.EqualTo("aliased"));
        var chat = await (await Client.PostAsJsonAsync($"/api/v1/applications/{token}/chats", new { })).ShouldBeAsync(HttpStatusCode.Created);
        await (await Client.GetAsync($"/api/v1/applications/{token}/chats/{chat.GetProperty("number").GetInt32()}"))
            .ShouldBeAsync(HttpStatusCode.OK);
        await (await Client.GetAsync($"/api/v1/applications/{token}x")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task TheJsonContractIsUnchanged()
    {
        var token = await Api.CreateApplicationAsync();
        var chat = await Client.CreateChatAsync(token, new { });
        // A message whose only field is an object named like the wrapper is not a Rails wrapper of a valid request: it
        // stays as sent, and fails validation for its missing body.
        await (await Client.PostAsJsonAsync($"/applications/{token}/chats/{chat}/messages", new { body = "plain", sender = "x" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        await (await Client.PostAsJsonAsync($"/applications/{token}/chats/{chat}/messages", new { message = new { body = "x" }, body = "y" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        await (await Client.PostAsync($"/applications/{token}/chats/{chat}/messages", Form(("message[body]", ""))))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await Client.PostAsync($"/applications/{token}/chats/{chat}/receipts", Form(("user", "bob"), ("read_up_to", "many"))))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
}
