using System.Diagnostics;

namespace Chat.Tests.Infrastructure;

/// <summary>The broker failing for one test's vhost only, through rabbitmqctl.</summary>
public static class BrokerFaults
{
    /// <summary>The broker refuses this vhost as if it were down, without disturbing anything else on it.</summary>
    public static async Task WhileTheBrokerIsAwayAsync(Func<Task> action)
    {
        var vhost = new Uri(TestServices.RabbitMq).AbsolutePath.Trim('/');
        await RabbitMqCtlAsync("set_vhost_limits", "--vhost", vhost, """{"max-connections":0}""");
        await RabbitMqCtlAsync("close_all_connections", "--vhost", vhost, "test: broker away");
        try
        {
            await action();
        }
        finally
        {
            await RabbitMqCtlAsync("set_vhost_limits", "--vhost", vhost, """{"max-connections":-1}""");
        }
    }

    /// <summary>The open channels of the API's connection from this local port, as the broker's process ids (numbers are reused).</summary>
    public static async Task<List<string>> ChannelsAsync(int localPort)
    {
        var vhost = new Uri(TestServices.RabbitMq).AbsolutePath.Trim('/');
        var lines = (await RabbitMqCtlAsync("-q", "list_channels", "-p", vhost, "name", "pid")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Where(line => line.StartsWith($"127.0.0.1:{localPort} ", StringComparison.Ordinal)).Select(line => line.Split('\t')[^1]).ToList();
    }

    /// <returns>What it printed.</returns>
    private static async Task<string> RabbitMqCtlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var ctl = Process.Start(start)!;
        var output = ctl.StandardOutput.ReadToEndAsync();
        var errors = ctl.StandardError.ReadToEndAsync();
        await ctl.WaitForExitAsync();
        Assert.That(ctl.ExitCode, Is.Zero, $"rabbitmqctl {string.Join(' ', arguments)}: {await errors}");
        return await output;
    }
}
