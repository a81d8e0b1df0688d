using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hangfire;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SweetsStore.Api.Jobs;
using SweetsStore.Data.Imports;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Import jobs run more than once, by dead, late or duplicate workers, and imports left without a job. This class's
/// host runs no Hangfire server: the test plays the workers (<see cref="JobDriver"/>) on the host's own storage, and
/// starts a second host with a server where one should take over.
/// </summary>
public partial class JobRecoveryTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AWorkerKilledMidLoadIsFinishedByASecondServerWithTheRowsOnce()
    {
        var orders = Fake.Orders(60_000, regions: 100, seed: 3).ToArray();
        using var uploader = api.WithWebHostBuilder(b => b.UseSetting("Security:ApiKey", JobsFactory.ApiKey));
        using var client = ImportJobTests.Client(uploader);
        var id = await ImportJobTests.UploadAsync(client, "/imports/orders", JsonSerializer.Serialize(new { data = orders }));

        // A worker of server "dying" takes the job, starts loading and dies with its COPY under way: no state change,
        // no hand-back, no keep-alive (this host runs no server, so nothing renews the fetch). Its transaction rolls
        // back. The orders table is held so that the COPY is certainly under way when the worker dies (on a quiet
        // machine the 60,000 rows loaded in under the 0.4 s the worker used to be given).
        var driver = new JobDriver(api);
        var job = driver.Fetch("dying:1:0");
        await using (var blocker = new NpgsqlConnection(api.ConnectionString))
        {
            await blocker.OpenAsync();
            await using var hold = await blocker.BeginTransactionAsync();
            await using (var lockOrders = new NpgsqlCommand("LOCK TABLE orders IN SHARE MODE", blocker, hold))
            {
                await lockOrders.ExecuteNonQueryAsync();
            }

            using var death = new CancellationTokenSource();
            var run = driver.RunAsync(job, death.Token);
            await WaitForCopiesAsync(1, run);
            death.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            await hold.RollbackAsync();
        }

        Assert.Equal("running", await api.ScalarAsync<string>("SELECT status FROM imports"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));

        // A second server: its worker takes the job once the dead one's invisibility (its lease, 3 s) has run out.
        using var survivor = api.WithWebHostBuilder(b =>
        {
            b.UseSetting("Security:ApiKey", JobsFactory.ApiKey);
            b.UseSetting("Jobs:Enabled", "true");
            b.UseSetting("Jobs:LeaseSeconds", "3");
            b.UseSetting("Jobs:PollSeconds", "0.2");
        });
        using var survivorClient = ImportJobTests.Client(survivor);
        var done = await ImportJobTests.WaitAsync(survivorClient, id, TimeSpan.FromMinutes(2));

        Assert.Equal("succeeded", (string?)done["status"]);
        Assert.Equal(2, (int)done["attempts"]!);
        Assert.Equal(60_000L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(60_000L, await api.ScalarAsync<long>("SELECT count(DISTINCT order_id) FROM orders"));
        var history = await driver.HistoryOnceEndedAsync(job.JobId); // the import's end commits before the job's Succeeded
        Assert.Equal(4, history.Count);
        Assert.Equal("Processing@dying:1:0", history[1]);
        Assert.StartsWith("Processing@", history[2]);
        Assert.Contains(".imports:", history[2]);
        Assert.Equal("Succeeded", history[3]);
    }

    [Fact]
    public async Task AGracefulStopHandsARunningImportBackAtOnce()
    {
        // Leases of 5 minutes: only a hand-back can let another server take the job within this test.
        void Server(IWebHostBuilder b)
        {
            b.UseSetting("Security:ApiKey", JobsFactory.ApiKey);
            b.UseSetting("Jobs:Enabled", "true");
            b.UseSetting("Jobs:LeaseSeconds", "300");
            b.UseSetting("Jobs:PollSeconds", "0.2");
        }

        await using var blocker = new NpgsqlConnection(api.ConnectionString);
        await blocker.OpenAsync();
        var hold = await blocker.BeginTransactionAsync();
        await using (var lockOrders = new NpgsqlCommand("LOCK TABLE orders IN SHARE MODE", blocker, hold))
        {
            await lockOrders.ExecuteNonQueryAsync();
        }

        long id;
        var first = api.WithWebHostBuilder(Server);
        try
        {
            using var client = ImportJobTests.Client(first);
            id = await ImportJobTests.UploadAsync(client, "/imports/orders", JsonSerializer.Serialize(new { data = Fake.Orders(500, regions: 5, seed: 31).ToArray() }));
            await WaitForCopiesAsync(1, Task.Delay(Timeout.Infinite));
        }
        finally
        {
            await first.DisposeAsync(); // SIGTERM: the run is cancelled, its job handed back
        }

        await hold.RollbackAsync();
        await hold.DisposeAsync();
        Assert.True(await api.ScalarAsync<bool>("SELECT fetchedat IS NULL FROM hangfire.jobqueue WHERE queue = 'imports'"), "the job was not handed back");
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));

        using var second = api.WithWebHostBuilder(Server);
        using var secondClient = ImportJobTests.Client(second);
        var done = await ImportJobTests.WaitAsync(secondClient, id, TimeSpan.FromSeconds(60));
        Assert.Equal("succeeded", (string?)done["status"]);
        Assert.Equal(2, (int)done["attempts"]!);
        Assert.Equal(500L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task TwoRunsAtOnceStoreTheRowsOnceAndTheEarlierRunIsFencedOut()
    {
        var driver = new JobDriver(api);
        await UploadAsync(Fake.Orders(2000, regions: 5, seed: 5).ToArray());
        var job = driver.Fetch();

        // Run A starts and its COPY waits for our lock on the orders table. Run B of the same job starts meanwhile (the
        // job was handed to another worker: A was thought dead, or an operator requeued it): a newer token.
        await using var blocker = new NpgsqlConnection(api.ConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockOrders = new NpgsqlCommand("LOCK TABLE orders IN SHARE MODE", blocker, hold))
        {
            await lockOrders.ExecuteNonQueryAsync();
        }

        var runA = driver.RunAsync(job);
        await WaitForCopiesAsync(1, runA);
        var runB = driver.RunAsync(job);
        await WaitForCopiesAsync(2, runB);
        Assert.Equal(2, await api.ScalarAsync<int>("SELECT attempts FROM imports"));

        // Both go on: whichever COPY comes first, the other waits on its rows; only B may end the import.
        await hold.CommitAsync();

        await Assert.ThrowsAsync<JobAbortedException>(() => runA);
        await runB;
        Assert.Equal("succeeded", await api.ScalarAsync<string>("SELECT status FROM imports"));
        Assert.Equal(2000L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(2000L, await api.ScalarAsync<long>("SELECT count(DISTINCT order_id) FROM orders"));
    }

    [Fact]
    public async Task ARetryKeepsTheFirstStartTimeSoTheDurationCountsEveryAttempt()
    {
        // docs/api.md: started_at is when the import was first started (a worker lost mid-load, the job retried).
        var driver = new JobDriver(api);
        await UploadAsync(Fake.Orders(10, regions: 2, seed: 8).ToArray());
        var job = driver.Fetch();
        var store = api.Services.GetRequiredService<ImportStore>();
        Assert.NotNull(await store.StartAsync(job.ImportId, job.JobId, CancellationToken.None));
        var first = await api.ScalarAsync<DateTime>("SELECT started_at FROM imports");
        await Task.Delay(50);

        Assert.NotNull(await store.StartAsync(job.ImportId, job.JobId, CancellationToken.None));

        Assert.Equal(2, await api.ScalarAsync<int>("SELECT attempts FROM imports"));
        Assert.Equal(first, await api.ScalarAsync<DateTime>("SELECT started_at FROM imports"));
        await driver.RunAsync(job);
        Assert.Equal(3, await api.ScalarAsync<int>("SELECT attempts FROM imports"));
        Assert.Equal(first, await api.ScalarAsync<DateTime>("SELECT started_at FROM imports"));
        Assert.True(await api.ScalarAsync<bool>("SELECT finished_at > started_at FROM imports"));
    }

    [Fact]
    public async Task ADuplicateRunOfAFinishedImportChangesNothing()
    {
        var driver = new JobDriver(api);
        var id = await UploadAsync(Fake.Orders(300, regions: 5, seed: 9).ToArray());
        var job = driver.Fetch();
        await driver.RunAsync(job);
        driver.Succeed(job);
        const string Row = "SELECT concat_ws('|', status, rows_done, attempts, finished_at, run_token, job_id) FROM imports";
        var before = await api.ScalarAsync<string>(Row);
        Assert.StartsWith("succeeded|300|1|", before);

        // The same job run again (an operator's requeue from the dashboard, a worker thought dead): nothing to do.
        Assert.True(driver.Client.ChangeState(job.JobId, new EnqueuedState(Api.Imports.ImportJob.Queue), SucceededState.StateName));
        var again = driver.Fetch();
        Assert.Equal(job.JobId, again.JobId);
        await driver.RunAsync(again);
        driver.Succeed(again);

        Assert.Equal(before, await api.ScalarAsync<string>(Row));
        Assert.Equal(300L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(id, await api.ScalarAsync<long>("SELECT import_id FROM imports"));
    }

    [Fact]
    public async Task TheFinishTimeIsWhenTheLoadCommittedNotWhenItBegan()
    {
        var driver = new JobDriver(api);
        var id = await UploadAsync(Fake.Orders(200, regions: 5, seed: 11).ToArray());
        var job = driver.Fetch();

        // Hold the orders table: the load's transaction begins, its COPY waits for us.
        await using var blocker = new NpgsqlConnection(api.ConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockOrders = new NpgsqlCommand("LOCK TABLE orders IN SHARE MODE", blocker, hold))
        {
            await lockOrders.ExecuteNonQueryAsync();
        }

        var load = driver.RunAsync(job);
        DateTime loadBegan;
        while (true)
        {
            var waiting = await api.ScalarAsync<object?>(
                "SELECT xact_start FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY orders%'");
            if (waiting is DateTime began)
            {
                loadBegan = began;
                break;
            }

            Assert.False(load.IsCompleted, "the load finished without waiting for the orders table");
            await Task.Delay(20);
        }

        // The table is released more than 500 ms after the load began, by the server's clock (the one that dates
        // both): a sleep of 500 ms on this side could end a little earlier by that clock.
        DateTime released;
        while ((released = await api.ScalarAsync<DateTime>("SELECT clock_timestamp()")) <= loadBegan.AddMilliseconds(500))
        {
            await Task.Delay(50);
        }

        await hold.CommitAsync();
        await load;

        Assert.Equal("succeeded", await api.ScalarAsync<string>("SELECT status FROM imports"));
        var finished = await api.ScalarAsync<DateTime>("SELECT finished_at FROM imports WHERE import_id = $1", id);
        Assert.True(finished >= released, $"finished_at {finished:O} is before the load could commit ({released:O})");
        Assert.True(finished > loadBegan.AddMilliseconds(500), "the import's finish time is the start of its loading transaction");
    }

    [Fact]
    public async Task TheSweepEnqueuesAnImportLeftWithoutAJobAfterItsGrace()
    {
        // What a process killed between the upload's commit and the enqueue leaves: a queued import with no job.
        var store = api.Services.GetRequiredService<ImportStore>();
        var orphan = await StoreWithoutJobAsync(store, Fake.Orders(100, regions: 3, seed: 13).ToArray());
        var young = await StoreWithoutJobAsync(store, Fake.Orders(10, regions: 3, seed: 14, firstId: 1000).ToArray());
        await api.ScalarAsync<int>("UPDATE imports SET created_at = now() - interval '2 minutes' WHERE import_id = $1 RETURNING 1", orphan);

        await api.Services.GetRequiredService<Maintenance>().RequeueOrphansAsync(CancellationToken.None);

        var jobId = await api.ScalarAsync<string>("SELECT job_id FROM imports WHERE import_id = $1", orphan);
        Assert.Equal("Enqueued", await api.ScalarAsync<string>("SELECT statename FROM hangfire.job WHERE id = $1::bigint", jobId));
        Assert.True(await api.ScalarAsync<bool>("SELECT job_id IS NULL FROM imports WHERE import_id = $1", young), "an import within its grace was given a job");
        var driver = new JobDriver(api);
        var job = driver.Fetch();
        Assert.Equal((jobId, orphan), (job.JobId, job.ImportId));
        await driver.RunAsync(job);
        driver.Succeed(job);
        Assert.Equal("succeeded", await api.ScalarAsync<string>("SELECT status FROM imports WHERE import_id = $1", orphan));
        Assert.Equal(100L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task TheSweepReplacesAJobThatIsGoneAndFailsAnImportWhoseJobEndedUnnoticed()
    {
        var gone = await UploadAsync(Fake.Orders(10, regions: 3, seed: 15).ToArray());
        var deleted = await UploadAsync(Fake.Orders(10, regions: 3, seed: 16, firstId: 100).ToArray());
        var goneJob = await api.ScalarAsync<string>("SELECT job_id FROM imports WHERE import_id = $1", gone);
        var deletedJob = await api.ScalarAsync<string>("SELECT job_id FROM imports WHERE import_id = $1", deleted);
        await api.ScalarAsync<int>("DELETE FROM hangfire.job WHERE id = $1::bigint RETURNING 1", goneJob);
        // Deleted by a client without this host's filters: the import was not told.
        var bare = new BackgroundJobClient(api.Services.GetRequiredService<JobStorage>(), new JobFilterCollection());
        Assert.True(bare.Delete(deletedJob));
        Assert.Equal("queued", await api.ScalarAsync<string>("SELECT status FROM imports WHERE import_id = $1", deleted));

        await api.Services.GetRequiredService<Maintenance>().RequeueOrphansAsync(CancellationToken.None);

        var newJob = await api.ScalarAsync<string>("SELECT job_id FROM imports WHERE import_id = $1", gone);
        Assert.NotEqual(goneJob, newJob);
        Assert.Equal("Enqueued", await api.ScalarAsync<string>("SELECT statename FROM hangfire.job WHERE id = $1::bigint", newJob));
        Assert.Equal("failed", await api.ScalarAsync<string>("SELECT status FROM imports WHERE import_id = $1", deleted));
        Assert.StartsWith("its job was deleted", await api.ScalarAsync<string>("SELECT error FROM imports WHERE import_id = $1", deleted));
    }

    [Fact]
    public async Task ThePurgeDropsFailedBodiesAndOldImportsAfterTheirRetention()
    {
        // Defaults: a failed import's body is kept 24 hours, an ended import 30 days.
        var store = api.Services.GetRequiredService<ImportStore>();
        var old = await StoreWithoutJobAsync(store, Fake.Orders(5, regions: 2, seed: 21).ToArray());
        var failedLongAgo = await StoreWithoutJobAsync(store, Fake.Orders(5, regions: 2, seed: 22).ToArray());
        var failedRecently = await StoreWithoutJobAsync(store, Fake.Orders(5, regions: 2, seed: 23).ToArray());
        var waiting = await StoreWithoutJobAsync(store, Fake.Orders(5, regions: 2, seed: 24).ToArray());
        await api.ScalarAsync<int>(
            """
            UPDATE imports SET
                status = CASE import_id WHEN $1 THEN 'succeeded' WHEN $2 THEN 'failed' WHEN $3 THEN 'failed' ELSE status END,
                finished_at = CASE import_id WHEN $1 THEN now() - interval '31 days' WHEN $2 THEN now() - interval '25 hours'
                                             WHEN $3 THEN now() - interval '1 hour' ELSE finished_at END,
                created_at = CASE import_id WHEN $4 THEN now() - interval '90 days' ELSE created_at END
            RETURNING 1
            """, old, failedLongAgo, failedRecently, waiting);

        await api.Services.GetRequiredService<Maintenance>().PurgeImportsAsync(CancellationToken.None);

        Assert.Equal($"{failedLongAgo},{failedRecently},{waiting}", await api.ScalarAsync<string>("SELECT string_agg(import_id::text, ',' ORDER BY import_id) FROM imports"));
        Assert.Equal($"{failedRecently},{waiting}", await api.ScalarAsync<string>("SELECT string_agg(DISTINCT import_id::text, ',') FROM import_chunks"));
    }

    [Fact]
    public async Task DeletingTheJobInTheDashboardFailsItsImport()
    {
        using var operatorHost = api.WithWebHostBuilder(b => b.UseSetting("Security:ApiKey", JobsFactory.ApiKey));
        using var client = ImportJobTests.Client(operatorHost);
        var id = await ImportJobTests.UploadAsync(client, "/imports/orders", JsonSerializer.Serialize(new { data = Fake.Orders(10, regions: 2).ToArray() }));
        var jobId = await api.ScalarAsync<string>("SELECT job_id FROM imports WHERE import_id = $1", id);

        // The job's page, as an operator's browser loads it: it carries the antiforgery token its buttons post.
        var page = await client.GetStringAsync($"/hangfire/jobs/details/{jobId}");
        var header = CsrfHeader().Match(page).Groups[1].Value;
        var token = CsrfToken().Match(page).Groups[1].Value;
        Assert.NotEmpty(token);

        // Without the token (another site posting through the operator's browser): refused, nothing changes.
        using (var forged = await client.PostAsync($"/hangfire/jobs/actions/delete/{jobId}", new FormUrlEncodedContent([])))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        }

        Assert.Equal("queued", (string?)(await ImportStatusAsync(client, id))["status"]);

        using var delete = new HttpRequestMessage(HttpMethod.Post, $"/hangfire/jobs/actions/delete/{jobId}") { Content = new FormUrlEncodedContent([]) };
        delete.Headers.Add(header, token);
        using (var deleted = await client.SendAsync(delete))
        {
            Assert.True(deleted.IsSuccessStatusCode, $"delete answered {(int)deleted.StatusCode}");
        }

        var import = await ImportStatusAsync(client, id);
        Assert.Equal("failed", (string?)import["status"]);
        Assert.StartsWith("its job was deleted", (string?)import["error"]);
        Assert.Equal("Deleted", await api.ScalarAsync<string>("SELECT statename FROM hangfire.job WHERE id = $1::bigint", jobId));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    private static async Task<JsonNode> ImportStatusAsync(HttpClient client, long id) =>
        JsonNode.Parse(await client.GetStringAsync($"/imports/{id}"))!;

    private async Task<long> UploadAsync(Dictionary<string, object>[] orders)
    {
        using var uploader = api.WithWebHostBuilder(b => b.UseSetting("Security:ApiKey", JobsFactory.ApiKey));
        using var client = ImportJobTests.Client(uploader);
        return await ImportJobTests.UploadAsync(client, "/imports/orders", JsonSerializer.Serialize(new { data = orders }));
    }

    private static async Task<long> StoreWithoutJobAsync(ImportStore store, Dictionary<string, object>[] orders)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { data = orders });
        await using var upload = await store.BeginUploadAsync(ImportKind.Orders, "json", idempotency: null, CancellationToken.None);
        await upload.WriteChunkAsync(body, body.Length, CancellationToken.None);
        await upload.CommitAsync(body.Length, orders.Length, CancellationToken.None);
        return upload.ImportId;
    }

    private async Task WaitForCopiesAsync(int waiting, Task mustNotEnd)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (await api.ScalarAsync<long>(
                   "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY orders%'") < waiting)
        {
            Assert.False(mustNotEnd.IsCompleted, $"a run ended before its COPY waited: {mustNotEnd.Exception?.GetBaseException().Message}");
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for {waiting} COPYs to wait");
            await Task.Delay(20);
        }
    }

    [GeneratedRegex("<meta name=\"csrf-header\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfHeader();

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\"")]
    private static partial Regex CsrfToken();
}
