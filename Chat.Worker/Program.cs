using Chat.Domain;
using Chat.Worker.Migrations;

namespace Chat.Worker;

public static class Program
{
    /// <summary><c>Chat.Worker migrate</c> applies the schema and exits; without arguments the worker runs.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args is ["migrate", ..])
            return await Migrator.RunAsync(args[1..]);

        var builder = Host.CreateApplicationBuilder(args);
        builder.AddChatDomain();
        builder.AddWorker();
        await builder.Build().RunAsync();
        return 0;
    }
}
