using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SweetsStore.Api.Jobs;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Hangfire when the database goes away under it and comes back: what a lost primary does to a process's connections
/// until its standby is promoted (docs/operations.md; the failover drill, reliability scenario 6, does it with a real
/// standby). Each test has a database of its own, which it closes (<c>ALLOW_CONNECTIONS false</c>) and whose sessions
/// it ends. Took over from the home-made worker's JobWorkerOutageTests.
/// </summary>
public class JobOutageTests : IAsyncLifetime
{
    private const string ApiKey = "outage-key-0123456789";

    private readonly CapturingLoggerProvider _logs = new(LogLevel.Error);
    private string _name = "";
    private string _connectionString = "";

    public async Task InitializeAsync() => (_name, _connectionString) = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await AdminAsync($"ALTER DATABASE {_name} ALLOW_CONNECTIONS true");
        await TestDatabase.DropAsync(_name);
    }

    [Fact]
    public async Task AnImportCutOffMidLoadFinishesOnceTheDatabaseIsBackAndTheServersWorkOn()
    {
        await using var api = Host();
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        await StandbyTests.EventuallyAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode);

        // A session of ours holds an uncommitted order with an id in the middle of the import: the loading COPY waits
        // there with half the rows in its transaction, however fast this machine loads (as reliability scenario 2b).
        var hold = new NpgsqlConnection(_connectionString + ";Pooling=false");
        await hold.OpenAsync();
        await using (var begin = new NpgsqlCommand(
            "BEGIN; INSERT INTO orders (order_id, weight_cg, region, delivery_hours, delivery) VALUES (3001, 100, 1, '{09:00-18:00}', '{[540,1080)}')", hold))
        {
            await begin.ExecuteNonQueryAsync();
        }

        var id = await ImportJobTests.UploadAsync(client, "/imports/orders", JsonSerializer.Serialize(new { data = Fake.Orders(6000, regions: 10, seed: 11).ToArray() }));
        await StandbyTests.EventuallyAsync(async () => await ScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY orders%' AND wait_event_type = 'Lock'") == 1, seconds: 60);

        // The database goes away: no new connections, every open one ended (the hold's too: its row rolls back).
        // Longer than the lease (3 s): whatever Hangfire fetched stays fetched only while its holder renews it.
        await AdminAsync($"ALTER DATABASE {_name} ALLOW_CONNECTIONS false");
        await AdminAsync($"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{_name}'");
        await hold.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        await AdminAsync($"ALTER DATABASE {_name} ALLOW_CONNECTIONS true");

        // The interrupted run's rows rolled back; its job ran again and loaded every row once.
        var done = await WaitAsync(client, id, TimeSpan.FromSeconds(90));
        Assert.Equal("succeeded", (string?)done["status"]);
        Assert.Equal(2, (int)done["attempts"]!);
        Assert.Equal(6000L, await ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(6000L, await ScalarAsync<long>("SELECT count(DISTINCT order_id) FROM orders"));
        var jobId = await ScalarAsync<string>($"SELECT job_id FROM imports WHERE import_id = {id}");
        var history = await new JobDriver(api).HistoryOnceEndedAsync(jobId); // the import's end commits before the job's Succeeded
        Assert.Equal("Enqueued", history[0]);
        Assert.Equal(2, history.Count(s => s.StartsWith("Processing@", StringComparison.Ordinal)));
        Assert.Equal("Succeeded", history[^1]);

        // Both servers work on: a new import is loaded, and the recurring orphan sweep runs when triggered.
        var next = await ImportJobTests.UploadAsync(client, "/imports/orders", JsonSerializer.Serialize(new { data = Fake.Orders(100, regions: 2, firstId: 10_001).ToArray() }));
        Assert.Equal("succeeded", (string?)(await WaitAsync(client, next, TimeSpan.FromSeconds(60)))["status"]);
        api.Services.GetRequiredService<IRecurringJobManager>().Trigger(Maintenance.RequeueOrphansId);
        await StandbyTests.EventuallyAsync(async () => await ScalarAsync<long>(
            "SELECT count(*) FROM hangfire.job WHERE invocationdata->>'Method' = 'RequeueOrphansAsync' AND statename = 'Succeeded'") > 0, seconds: 30);

        // No server loop gave up and stopped the host ("BackgroundService failed").
        Assert.DoesNotContain(_logs.Messages, m => m.Contains("BackgroundService", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AfterALongOutageTheServersComeBackWithinSeconds()
    {
        // 35 s without the database (a failover whose HA manager takes its time to promote). Every Hangfire loop fails
        // meanwhile, again and again; each waits before its next try. Hangfire's own waits grow as the square of the
        // failures (1, 4, 9, 16, 25 s…): its workers would try at 1, 5, 14, 30 and 55 s, and a job enqueued when the
        // database came back would wait about 20 s. Ours stop growing at 5 s (JobServer.LoopRetryDelay).
        await using var api = Host();
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        await StandbyTests.EventuallyAsync(async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode);

        await AdminAsync($"ALTER DATABASE {_name} ALLOW_CONNECTIONS false");
        await AdminAsync($"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{_name}'");
        await Task.Delay(TimeSpan.FromSeconds(35));
        await AdminAsync($"ALTER DATABASE {_name} ALLOW_CONNECTIONS true");
        var back = System.Diagnostics.Stopwatch.StartNew();
        var backAt = DateTime.UtcNow; // the clock Hangfire dates its states with (this process's)

        long id = 0;
        while (id == 0 && back.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                id = await ImportJobTests.UploadAsync(client, "/imports/orders", JsonSerializer.Serialize(new { data = Fake.Orders(10, regions: 2, firstId: 20_001).ToArray() }));
            }
            catch (Xunit.Sdk.XunitException)
            {
                await Task.Delay(100); // the API's own pool meets its broken connections first: 503, asked again
            }
        }

        Assert.Equal("succeeded", (string?)(await WaitAsync(client, id, TimeSpan.FromSeconds(60)))["status"]);

        // How long the job waited for a worker once both it and the database were there: the workers' loop wait, not
        // this test's upload (503s until the API's pool has replaced its broken connections), the load or the polling
        // of GET /imports, which a loaded machine stretches. Ours: at most 5 s and a poll; Hangfire's own about 20 s.
        var jobId = await ScalarAsync<string>($"SELECT job_id FROM imports WHERE import_id = {id}");
        var enqueued = await ScalarAsync<DateTime>($"SELECT min(createdat) FROM hangfire.state WHERE jobid = {jobId} AND name = 'Enqueued'");
        var fetched = await ScalarAsync<DateTime>($"SELECT min(createdat) FROM hangfire.state WHERE jobid = {jobId} AND name = 'Processing'");
        var waited = fetched - (enqueued > backAt ? enqueued : backAt);
        Assert.True(waited < TimeSpan.FromSeconds(12),
            $"a worker took the job {waited.TotalSeconds:0.0} s after the database came back and it was enqueued (it ran {back.Elapsed.TotalSeconds:0.0} s after the database came back)");
        Assert.DoesNotContain(_logs.Messages, m => m.Contains("BackgroundService", StringComparison.Ordinal));
    }

    [Fact]
    public void TheStorageRequeuesALostHoldersJobWithinTheLeaseAndKeepsNoListeningConnection()
    {
        // The defaults: a fetched job whose holder stops renewing it runs elsewhere 30 s later (Hangfire.PostgreSql's
        // default, without the sliding timeout: 30 minutes); a lock left behind blocks for 15 s (its default: 10
        // minutes); no LISTEN connection, which Hangfire.PostgreSql would open past our data source.
        var options = BackgroundJobs.StorageOptions(new JobOptions());

        Assert.True(options.UseSlidingInvisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.InvisibilityTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), options.DistributedLockTimeout);
        Assert.False(options.EnableLongPolling);
        Assert.False(options.PrepareSchemaIfNecessary);
    }

    [Fact]
    public void LoopsWaitAtMostFiveSecondsBetweenTries() =>
        Assert.Equal([1.0, 2, 3, 4, 5, 5, 5], Enumerable.Range(1, 7).Select(f => JobServer.LoopRetryDelay(f).TotalSeconds));

    [Fact]
    public async Task ALockLeftByALostHolderHoldsUpScheduledJobsOnlyForTheLockTimeout()
    {
        // The scheduler's lock, as a primary lost between a lock's commit and its release leaves it on the promoted
        // standby: a row nobody will delete. Scheduled jobs (an import's retries among them) wait until it is
        // Jobs:LockTimeoutSeconds old (here 3 s; Hangfire.PostgreSql's default would be 10 minutes).
        var left = await ScalarAsync<DateTime>("INSERT INTO hangfire.lock (resource, acquired) VALUES ('hangfire:locks:schedulepoller', now()) RETURNING acquired");
        await using var api = Host(lockTimeoutSeconds: 3);

        var jobId = api.Services.GetRequiredService<IBackgroundJobClient>()
            .Schedule<Maintenance>(m => m.PurgeImportsAsync(CancellationToken.None), TimeSpan.Zero);
        await StandbyTests.EventuallyAsync(async () => await ScalarAsync<string>($"SELECT statename FROM hangfire.job WHERE id = {jobId}") == "Succeeded", seconds: 40);

        var enqueued = await ScalarAsync<DateTime>($"SELECT min(createdat) FROM hangfire.state WHERE jobid = {jobId} AND name = 'Enqueued'");
        var waited = (enqueued - left).TotalSeconds;
        Assert.True(waited is >= 2.9 and < 20, $"enqueued {waited:0.00} s after the lock was left");
    }

    private WebApplicationFactory<Program> Host(double lockTimeoutSeconds = 2) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", _connectionString);
            b.UseSetting("Database:MigrateOnStartup", "false"); // a clone of the migrated template
            b.UseSetting("Database:AnalyzeCheckSeconds", "0");
            b.UseSetting("Jobs:Enabled", "true");
            b.UseSetting("Jobs:LeaseSeconds", "3");
            b.UseSetting("Jobs:PollSeconds", "0.2");
            b.UseSetting("Jobs:SchedulePollSeconds", "1");
            b.UseSetting("Jobs:RetryDelaySeconds", "1");
            b.UseSetting("Jobs:LockTimeoutSeconds", lockTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            b.UseSetting("Security:ApiKey", ApiKey);
            b.UseSetting("Logging:LogLevel:Default", "Warning");
            b.ConfigureLogging(l => l.AddProvider(_logs));
        });

    // GET /imports/{id} until the import ends; an answer other than 200 (the API's pools meet their broken
    // connections first after the outage) is asked again.
    private static async Task<JsonNode> WaitAsync(HttpClient client, long id, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        JsonNode? last = null;
        while (DateTime.UtcNow < until)
        {
            using var reply = await client.GetAsync($"/imports/{id}");
            if (reply.IsSuccessStatusCode)
            {
                last = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
                if ((string?)last["status"] is "succeeded" or "failed")
                {
                    return last;
                }
            }

            await Task.Delay(100);
        }

        return last ?? throw new TimeoutException($"import {id}: no answer within {timeout}");
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(TestDatabase.AdminConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
