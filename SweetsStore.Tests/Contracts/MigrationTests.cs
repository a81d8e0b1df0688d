using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Data;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Contracts;

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
            var processes = Enumerable.Range(0, 6).Select(_ =>
            {
                var services = new ServiceCollection();
                services.AddSingleton(Database.CreateDataSource(connectionString));
                services.AddDbContext<StoreDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
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
    public async Task AFirstStartOnAnEmptyDatabaseMigratesBeforeTheJobWorkersTouchIt()
    {
        // The job workers used to poll at once and log "Job queue unavailable: 42P01: relation "jobs" does not
        // exist" on every first start, while the start-up migration was still running.
        var name = $"sweetsstore_f_{Guid.NewGuid():N}";
        await AdminAsync($"CREATE DATABASE {name}");
        var logs = new CapturingLoggerProvider();
        try
        {
            await using (var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseSetting("ConnectionStrings:Postgres", TestDatabase.ConnectionStringFor(name));
                b.UseSetting("Database:MigrateOnStartup", "true");
                b.UseSetting("Jobs:Enabled", "true");
                b.UseSetting("Jobs:PollSeconds", "0.05");
                b.UseSetting("Security:ApiKey", "first-start-key-0123456789");
                b.ConfigureLogging(l => l.AddProvider(logs));
            }))
            {
                var client = factory.CreateClient();
                client.DefaultRequestHeaders.Add("X-Api-Key", "first-start-key-0123456789"); // the test server's client is not local
                var ready = false;
                for (var i = 0; i < 600 && !ready; i++)
                {
                    ready = (await client.GetAsync("/health/ready")).IsSuccessStatusCode;
                    if (!ready)
                    {
                        await Task.Delay(50);
                    }
                }

                Assert.True(ready);

                // The workers run: a background import of one courier gets done.
                var accepted = await client.PostAsync("/imports/couriers", new StringContent(
                    "{\"courier_id\": 1, \"courier_type\": \"foot\", \"regions\": [1], \"working_hours\": [\"09:00-18:00\"]}\n",
                    System.Text.Encoding.UTF8, "application/x-ndjson"));
                Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
                var status = "";
                for (var i = 0; i < 600 && status is not ("succeeded" or "failed"); i++)
                {
                    await Task.Delay(50);
                    var json = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync(accepted.Headers.Location))!;
                    status = (string)json["status"]!;
                }

                Assert.Equal("succeeded", status);
            }

            Assert.DoesNotContain(logs.Messages, m => m.Contains("Job queue unavailable", StringComparison.Ordinal));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
