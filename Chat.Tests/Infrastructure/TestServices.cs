using Chat.Contracts;
using System.Diagnostics;
using Chat.Domain.Messaging;
using Chat.Domain.Search.Indexing;
using Chat.Tests.Infrastructure;
using Chat.Worker.Migrations;
using MySqlConnector;
using RabbitMQ.Client;
using StackExchange.Redis;
using Testcontainers.MySql;

namespace Chat.Tests;

/// <summary>
/// Starts once per test run: points every test at real MySQL/MariaDB, Redis and RabbitMQ (a MySQL container
/// when a Docker engine answers, the local services of scripts/services otherwise), gives them a fresh
/// schema, empty queues and an empty Redis database.
/// </summary>
[SetUpFixture]
public sealed class TestServices
{
    public static string MySql => Environment.GetEnvironmentVariable("ConnectionStrings__MySql")!;
    public static string Redis => Environment.GetEnvironmentVariable("ConnectionStrings__Redis")!;
    public static string RabbitMq => Environment.GetEnvironmentVariable("ConnectionStrings__RabbitMq")!;
    public const string AdminKey = "test-admin-key";

    private MySqlContainer? _container;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Default("ConnectionStrings__MySql", "Server=127.0.0.1;Port=3306;Database=chat_test;User ID=chat;Password=chat");
        Default("ConnectionStrings__Redis", "127.0.0.1:6379,defaultDatabase=1");
        Default("ConnectionStrings__RabbitMq", "amqp://chat:chat@127.0.0.1:5672/chat_test");
        Environment.SetEnvironmentVariable("Admin__ApiKey", AdminKey);
        // A key of this run only: secrets sealed by it mean nothing anywhere else.
        Default("Auth__EncryptionKeys", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        // Tests create many applications from one address; the limit itself is tested with its own setting.
        Default("RateLimit__ApplicationsPerMinute", "1000000");
        Default("RateLimit__ApplicationsBurst", "1000000");
        // Webhook receivers in tests listen on loopback over http; the registration tests check the rule with it off.
        Default("Webhooks__AllowPrivateTargets", "true");

        if (await DockerEngineAnswersAsync())
        {
            _container = new MySqlBuilder("mysql:8.4").WithDatabase("chat_test").Build();
            await _container.StartAsync();
            Environment.SetEnvironmentVariable("ConnectionStrings__MySql", _container.GetConnectionString());
            TestContext.Progress.WriteLine("Test services: MySQL 8.4 in a Testcontainers container; local Redis and RabbitMQ.");
        }
        else
        {
            TestContext.Progress.WriteLine("Test services: no Docker engine, using the local MariaDB, Redis and RabbitMQ (scripts/services).");
        }

        await RecreateDatabaseAsync();
        await FlushRedisAsync();
        await DeleteQueuesAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_container is not null) await _container.DisposeAsync();
    }

    private static void Default(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) Environment.SetEnvironmentVariable(name, value);
    }

    private static async Task RecreateDatabaseAsync()
    {
        var builder = new MySqlConnectionStringBuilder(MySql);
        var database = builder.Database;
        builder.Database = "";
        await using (var connection = await Reach("MySQL/MariaDB", () => OpenAsync(builder.ConnectionString)))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"DROP DATABASE IF EXISTS `{database}`; CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;";
            await command.ExecuteNonQueryAsync();
        }
        var host = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        host.AddChatDomainForTests();
        using var services = host.Build();
        await Migrator.MigrateAsync(services.Services);
    }

    /// <summary>Queues are re-declared by the code under test, with the arguments it declares today.</summary>
    private static async Task DeleteQueuesAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(RabbitMq) };
        await using var connection = await Reach("RabbitMQ", () => factory.CreateConnectionAsync());
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in new[] { QueueNames.Commands, QueueNames.Retry, QueueNames.Dead, IndexTopology.Queue, IndexTopology.Dead,
                     Chat.Domain.Webhooks.WebhookTopology.Queue, Chat.Domain.Webhooks.WebhookTopology.Dead })
            await channel.QueueDeleteAsync(queue);
    }

    /// <summary>Empties the tests' Redis database (what a Redis data loss leaves); on a Redis Cluster (database 0 only) every master's.</summary>
    public static Task FlushRedisAsync() => OnEveryRedisMasterAsync((server, options) => server.FlushDatabaseAsync(options.DefaultDatabase ?? 0));

    /// <summary>Makes every Redis master forget its cached Lua scripts (what a restart leaves), keeping the data.</summary>
    public static Task FlushRedisScriptsAsync() => OnEveryRedisMasterAsync((server, _) => server.ScriptFlushAsync());

    private static async Task OnEveryRedisMasterAsync(Func<IServer, ConfigurationOptions, Task> action)
    {
        var options = ConfigurationOptions.Parse(Redis);
        options.AllowAdmin = true;
        await using var redis = await Reach("Redis", () => ConnectionMultiplexer.ConnectAsync(options));
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
            await action(server, options);
    }

    private static async Task<MySqlConnection> OpenAsync(string connectionString)
    {
        var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>A missing service fails the run with its name, not with a puzzling error in the first test.</summary>
    private static async Task<T> Reach<T>(string service, Func<Task<T>> connect)
    {
        try
        {
            return await connect();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{service} is not reachable ({e.Message}). Start it with scripts/services.", e);
        }
    }

    private static async Task<bool> DockerEngineAnswersAsync()
    {
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", "info") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (docker is null) return false;
            await docker.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            return docker.ExitCode == 0;
        }
        catch (Exception)
        {
            return false; // no docker CLI, or it hung
        }
    }
}
