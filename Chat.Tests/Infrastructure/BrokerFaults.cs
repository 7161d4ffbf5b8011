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

    private static async Task RabbitMqCtlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var ctl = Process.Start(start)!;
        await ctl.WaitForExitAsync();
        Assert.That(ctl.ExitCode, Is.Zero, $"rabbitmqctl {string.Join(' ', arguments)}: {await ctl.StandardError.ReadToEndAsync()}");
    }
}
