using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Contracts;

/// <summary>
/// Runs alone: Hangfire logs through one static bridge (HangfireLogging) to the host attached last, so a job failing in
/// another test's host (a deliberately unreachable database, say) would be logged here.
/// </summary>
[CollectionDefinition("Hangfire log bridge", DisableParallelization = true)]
public sealed class HangfireLogBridgeCollection;

/// <summary>The first start of a process on an empty database: migrate first, then the job servers.</summary>
[Collection("Hangfire log bridge")]
public class FirstStartTests
{
    [Fact]
    public async Task AFirstStartOnAnEmptyDatabaseMigratesBeforeTheJobWorkersTouchIt()
    {
        // The job workers used to poll at once and log "Job queue unavailable: 42P01: relation "jobs" does not
        // exist" on every first start, while the start-up migration was still running. Hangfire's servers wait too.
        var name = $"sweetsstore_f_{Guid.NewGuid():N}";
        await MigrationTests.AdminAsync($"CREATE DATABASE {name}");
        var logs = new CapturingLoggerProvider();
        try
        {
            await using (var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            {
                b.UseSetting("ConnectionStrings:Postgres", TestDatabase.ConnectionStringFor(name));
                b.UseSetting("Database:MigrateOnStartup", "true");
                b.UseSetting("Jobs:Enabled", "true");
                b.UseSetting("Jobs:PollSeconds", "0.05");
                b.UseSetting("Jobs:SchedulePollSeconds", "1");
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

            // Hangfire's servers start once the schema is there: no "relation … does not exist" from them, nor anything else.
            // The readiness check's "not ready" lines while migrating are expected (ReadinessLog: Information until this
            // host was ready once).
            // Hangfire logs through one static bridge to the host attached last (HangfireLogging): this class runs alone so
            // that no other test's Hangfire server writes here; a failure that names another database is still left out, in
            // case a host of an earlier test is slow to stop.
            var problems = logs.Entries
                .Where(e => e.Exception?.Message.Contains("sweetsstore_", StringComparison.Ordinal) != true
                            || e.Exception.Message.Contains(name, StringComparison.Ordinal))
                .Select(e => e.Message)
                .Where(m => !m.StartsWith("Health check database with status Unhealthy", StringComparison.Ordinal)
                            && !m.StartsWith("Readiness: not ready (", StringComparison.Ordinal)).ToList();
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await MigrationTests.AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }
}
