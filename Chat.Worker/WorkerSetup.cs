using Chat.Domain.Telemetry;
using Chat.Domain;
using Chat.Worker.Jobs;
using Chat.Worker.Outbox;
using Chat.Worker.Persistence;
using Chat.Worker.Search;
using Chat.Worker.Webhooks;

namespace Chat.Worker;

public static class WorkerSetup
{
    /// <summary>The worker's consumers and jobs.</summary>
    public static IHostApplicationBuilder AddWorker(this IHostApplicationBuilder builder)
    {
        builder.AddChatTelemetry();
        builder.Services.AddHostedService<Chat.Worker.Telemetry.Backlogs>();
        builder.Services.AddSettings<WorkerOptions>(WorkerOptions.Section);
        builder.Services.AddSingleton<BatchWriter>();
        builder.Services.AddSingleton<Purger>();
        builder.Services.AddSingleton<BatchProcessor>();
        builder.Services.AddHostedService<CommandConsumer>();
        builder.Services.AddSettings<OutboxOptions>(OutboxOptions.Section);
        builder.Services.AddHostedService<OutboxSweeper>();
        builder.AddSearchIndexing();
        builder.AddWebhookDelivery();
        builder.AddJobs();
        return builder;
    }
}
