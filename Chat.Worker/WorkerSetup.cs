namespace Chat.Worker;

public static class WorkerSetup
{
    /// <summary>The worker's consumers and jobs.</summary>
    public static IHostApplicationBuilder AddWorker(this IHostApplicationBuilder builder) => builder;
}
