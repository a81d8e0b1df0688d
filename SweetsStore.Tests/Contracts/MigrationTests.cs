using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Api.Jobs;
using SweetsStore.Data;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Contracts;

/// <summary>
/// Runs alone (collection 'Hangfire log bridge', <see cref="FirstStartTests"/>): its two-process test asserts on what
/// its hosts log, Hangfire's lines included, and Hangfire logs through one static bridge to the host attached last, so
/// another test's host failing a job or losing its database meanwhile would be logged here.
/// </summary>
[Collection("Hangfire log bridge")]
public class MigrationTests
{
    [Fact]
    public async Task ProcessesStartingTogetherOnAnEmptyDatabaseEachMigrateWithoutAFailure()
    {
        // Several API processes (each with its own pool) start at once on an empty database. EF Core's own lock
        // (per migration transaction) let two of them apply the same migration: the loser failed with 42P07.
        var name = $"sweetsstore_m_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE DATABASE {name}");
        try
        {
            var connectionString = TestDatabase.ConnectionStringFor(name);
            var logs = new CapturingLoggerProvider(LogLevel.Information);
            var processes = Enumerable.Range(0, 6).Select(_ =>
            {
                var services = new ServiceCollection();
                services.AddLogging(l => l.AddProvider(logs));
                services.AddSingleton(Database.CreateDataSource(connectionString));
                services.AddDbContext<StoreDbContext>((sp, o) => o.UseStore(sp.GetRequiredService<NpgsqlDataSource>()));
                return services.BuildServiceProvider();
            }).ToList();

            var failures = await Task.WhenAll(processes.Select(async p =>
            {
                try
                {
                    await MigrationRunner.MigrateAsync(p, CancellationToken.None);
                    return null;
                }
                catch (PostgresException e)
                {
                    return e.SqlState + " " + e.MessageText;
                }
            }));

            Assert.Empty(failures.OfType<string>());
            await using var check = new NpgsqlConnection(connectionString);
            await check.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM \"__EFMigrationsHistory\"", check);
            using var scope = processes[0].CreateScope();
            Assert.Equal(scope.ServiceProvider.GetRequiredService<StoreDbContext>().Database.GetMigrations().LongCount(), (long)(await command.ExecuteScalarAsync())!);

            // Hangfire's schema too: installed by one of them, under the same lock; the others found it there.
            Assert.Equal(HangfireSchema.Version, await SweetsStore.Data.Jobs.JobTables.InstalledVersionAsync(check, CancellationToken.None));
            Assert.Single(logs.Messages, m => m.StartsWith("Hangfire schema 'hangfire' installed: version 0 to ", StringComparison.Ordinal));
            foreach (var p in processes)
            {
                await p.DisposeAsync();
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task TwoProcessesStartingOnAnEmptyDatabaseInstallHangfiresSchemaOnceAndBothRunJobs()
    {
        var name = $"sweetsstore_h_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE DATABASE {name}");
        var logs = new CapturingLoggerProvider(LogLevel.Information);
        try
        {
            WebApplicationFactory<Program> Process() => new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseSetting("ConnectionStrings:Postgres", TestDatabase.ConnectionStringFor(name));
                b.UseSetting("Database:MigrateOnStartup", "true");
                b.UseSetting("Jobs:Enabled", "true");
                b.UseSetting("Jobs:PollSeconds", "0.2");
                b.UseSetting("Logging:LogLevel:Default", "Warning");
                b.UseSetting("Logging:LogLevel:SweetsStore.Api.Jobs.HangfireSchema", "Information");
                b.ConfigureLogging(l => l.AddProvider(logs));
            });

            await using var first = Process();
            await using var second = Process();
            var clients = await Task.WhenAll(new[] { first, second }.Select(p => Task.Run(() => p.CreateClient())));
            await Task.WhenAll(clients.Select(c => WaitReadyAsync(c)));

            Assert.Single(logs.Messages, m => m.StartsWith("Hangfire schema 'hangfire' installed", StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Messages, m => m.Contains("does not exist", StringComparison.Ordinal) || m.Contains("already exists", StringComparison.Ordinal));
            await using var check = new NpgsqlConnection(TestDatabase.ConnectionStringFor(name));
            await check.OpenAsync();
            Assert.Equal(HangfireSchema.Version, await SweetsStore.Data.Jobs.JobTables.InstalledVersionAsync(check, CancellationToken.None));
            await using var servers = new NpgsqlCommand("SELECT count(*) FROM hangfire.server", check);
            var until = DateTime.UtcNow.AddSeconds(60);
            while ((long)(await servers.ExecuteScalarAsync())! < 4 && DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }

            Assert.Equal(4L, (long)(await servers.ExecuteScalarAsync())!); // imports and maintenance, in each process
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task AProcessThatDoesNotMigrateNeverInstallsHangfiresSchema()
    {
        // PrepareSchemaIfNecessary is off: the storage does not install its schema on its own (every process at start,
        // outside the migration lock). Without migrations the process stays unready, and the schema absent.
        var name = $"sweetsstore_n_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE DATABASE {name}");
        try
        {
            await using (var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseSetting("ConnectionStrings:Postgres", TestDatabase.ConnectionStringFor(name));
                b.UseSetting("Database:MigrateOnStartup", "false");
                b.UseSetting("Jobs:Enabled", "true");
                b.UseSetting("Jobs:PollSeconds", "0.1");
                b.UseSetting("Logging:LogLevel:Default", "None");
            }))
            {
                var client = factory.CreateClient();
                await Task.Delay(1500); // its servers have started and polled by now
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
            }

            await using var check = new NpgsqlConnection(TestDatabase.ConnectionStringFor(name));
            await check.OpenAsync();
            await using var schema = new NpgsqlCommand("SELECT count(*) FROM pg_namespace WHERE nspname = 'hangfire'", check);
            Assert.Equal(0L, (long)(await schema.ExecuteScalarAsync())!);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    [Fact]
    public void TheModelMatchesTheMigrationsWithNothingPending()
    {
        // snake_case names come from EFCore.NamingConventions; the names the migrations created (foreign keys above
        // all) are pinned in the configurations. A difference here would be a migration nobody generated.
        using var context = new StoreDbContext(new DbContextOptionsBuilder<StoreDbContext>().UseStore("Host=unused;Database=unused").Options);

        Assert.False(context.Database.HasPendingModelChanges());
    }

    [Fact]
    public void TheMigrationsHistoryKeepsTheColumnNamesEveryDatabaseHas()
    {
        // EFCore.NamingConventions would snake_case them too: every existing database would then seem unmigrated.
        using var context = new StoreDbContext(new DbContextOptionsBuilder<StoreDbContext>().UseStore("Host=unused;Database=unused").Options);

        var script = context.GetService<Microsoft.EntityFrameworkCore.Migrations.IHistoryRepository>().GetCreateScript();

        Assert.Contains("\"MigrationId\" character varying(150) NOT NULL", script);
        Assert.Contains("\"ProductVersion\" character varying(32) NOT NULL", script);
    }

    private static async Task WaitReadyAsync(HttpClient client)
    {
        var until = DateTime.UtcNow.AddSeconds(90);
        while (!(await client.GetAsync("/health/ready")).IsSuccessStatusCode)
        {
            Assert.True(DateTime.UtcNow < until, "not ready after 90 s");
            await Task.Delay(50);
        }
    }

    internal static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
