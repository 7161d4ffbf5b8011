namespace Chat.Tests.Infrastructure;

/// <summary>A test class against one API host, started once for the class and stopped after it.</summary>
public abstract class OneApiHost
{
    protected ApiFactory Api { get; private set; } = null!;
    protected HttpClient Client { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartHost()
    {
        Api = new ApiFactory();
        Client = Api.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopHost() => await Api.DisposeAsync();
}

/// <summary>
/// A test class against two API hosts on the same MySQL, Redis and RabbitMQ: two replicas behind nginx, for what one
/// replica accepts and the other must see.
/// </summary>
public abstract class TwoApiHosts
{
    protected ApiFactory HostA { get; private set; } = null!;
    protected ApiFactory HostB { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartHosts()
    {
        HostA = new ApiFactory();
        HostB = new ApiFactory();
    }

    [OneTimeTearDown]
    public async Task StopHosts()
    {
        await HostA.DisposeAsync();
        await HostB.DisposeAsync();
    }
}
