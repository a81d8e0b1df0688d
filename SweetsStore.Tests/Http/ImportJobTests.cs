using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SweetsStore.Api.Jobs;
using SweetsStore.Data.Jobs;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>Workers on, short leases, an API key for the (non-local) test client.</summary>
public sealed class JobsFactory : ApiFactory
{
    public const string ApiKey = "test-key-0123456789";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Jobs:Enabled", "true"),
        new("Jobs:LeaseSeconds", "1.5"),
        new("Jobs:PollSeconds", "0.2"),
        new("Jobs:MaxAttempts", "3"),
        new("Security:ApiKey", ApiKey),
    ];
}

public class ImportJobTests(JobsFactory api) : IClassFixture<JobsFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = Client(api);

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task LoadsAJsonImportInTheBackground()
    {
        var orders = Fake.Orders(1000, regions: 10).ToArray();

        var accepted = await UploadAsync("/imports/orders", JsonSerializer.Serialize(new { data = orders }), "application/json");

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var body = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!;
        var id = (long)body["import_id"]!;
        Assert.Equal($"/imports/{id}", accepted.Headers.Location!.ToString());
        Assert.Equal(1000, (long)body["rows_total"]!);
        var done = await WaitAsync(id);
        Assert.Equal("succeeded", (string?)done["status"]);
        Assert.Equal(1000, (long)done["rows_done"]!);
        Assert.Equal(1.0, (double)done["progress"]!);
        Assert.NotNull(done["duration_seconds"]);
        Assert.Equal(1000L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM import_chunks"));
    }

    [Fact]
    public async Task LoadsNdjsonCouriers()
    {
        var lines = string.Join("\n", Enumerable.Range(1, 300).Select(i => JsonSerializer.Serialize(Fake.Courier(i).OfType("bike").InRegions(i % 7 + 1).Build()))) + "\n\n";

        var accepted = await UploadAsync("/imports/couriers", lines, "application/x-ndjson");

        var id = (long)JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!;
        Assert.Equal("succeeded", (string?)(await WaitAsync(id))["status"]);
        Assert.Equal(300L, await api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
        Assert.Equal("ndjson", await api.ScalarAsync<string>("SELECT format FROM imports"));
    }

    [Theory]
    [InlineData("text/plain", "?format=ndjson", "ndjson")]
    [InlineData("application/octet-stream", "?format=ndjson", "ndjson")]
    [InlineData("application/x-www-form-urlencoded", "", "json")] // what curl -d sends (0004: never checked); was a 415
    public async Task TakesAnyContentTypeTheFormatParameterOrJsonDecides(string contentType, string query, string format)
    {
        var orders = Enumerable.Range(1, 3).Select(i => Fake.Order(i).Build()).ToArray();
        var body = format == "ndjson" ? string.Join("\n", orders.Select(o => JsonSerializer.Serialize(o))) : JsonSerializer.Serialize(new { data = orders });

        var accepted = await UploadAsync("/imports/orders" + query, body, contentType);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (long)JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!;
        Assert.Equal("succeeded", (string?)(await WaitAsync(id))["status"]);
        Assert.Equal(format, await api.ScalarAsync<string>("SELECT format FROM imports"));
        Assert.Equal(3L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task LoadsAHundredThousandOrders()
    {
        var orders = Fake.Orders(100_000, regions: 1000, seed: 7).ToArray();

        var accepted = await UploadAsync("/imports/orders", JsonSerializer.Serialize(new { data = orders }), "application/json");

        var id = (long)JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!;
        var done = await WaitAsync(id, TimeSpan.FromMinutes(3));
        Assert.Equal("succeeded", (string?)done["status"]);
        Assert.Null(done["report"]);
        Assert.True((double)done["duration_seconds"]! > 0.05, $"loading 100k orders took {(double)done["duration_seconds"]!} s?");
        Assert.Equal(100_000L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(orders.Sum(o => (long)((decimal)o["weight"] * 100)), await api.ScalarAsync<long>("SELECT sum(weight_cg)::bigint FROM orders"));
    }

    [Fact]
    public async Task AnInvalidImportFailsWithTheReportAndStoresNothing()
    {
        var orders = Fake.Orders(2000, regions: 5).ToArray();
        orders[10]["weight"] = 51;
        orders[1500]["region"] = "5";
        orders[1999]["order_id"] = orders[3]["order_id"];

        var accepted = await UploadAsync("/imports/orders", JsonSerializer.Serialize(new { data = orders }), "application/json");

        var done = await WaitAsync((long)JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!);
        Assert.Equal("failed", (string?)done["status"]);
        Assert.Equal(3, (long)done["rows_invalid"]!);
        Assert.Equal("3 of 2000 orders are invalid; nothing was stored", (string?)done["error"]);
        var reported = done["report"]!["validation_error"]!["orders"]!.AsArray();
        Assert.Equal([11L, 1501L, 4L], reported.Select(e => (long)e!["id"]!));
        Assert.NotNull(reported[0]!["errors"]!["weight"]);
        Assert.NotNull(reported[1]!["errors"]!["region"]);
        Assert.Equal("repeats an id given earlier in this batch", (string?)reported[2]!["errors"]!["order_id"]![0]);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task ExistingIdsFailTheImportAndStoreNothing()
    {
        var orders = Fake.Orders(500, regions: 5).ToArray();
        var first = await UploadAsync("/imports/orders", JsonSerializer.Serialize(new { data = orders.Take(10) }), "application/json");
        await WaitAsync((long)JsonNode.Parse(await first.Content.ReadAsStringAsync())!["import_id"]!);

        var second = await UploadAsync("/imports/orders", JsonSerializer.Serialize(new { data = orders.Skip(5) }), "application/json");

        var done = await WaitAsync((long)JsonNode.Parse(await second.Content.ReadAsStringAsync())!["import_id"]!);
        Assert.Equal("failed", (string?)done["status"]);
        var reported = done["report"]!["validation_error"]!["orders"]!.AsArray();
        Assert.Equal([6L, 7L, 8L, 9L, 10L], reported.Select(e => (long)e!["id"]!));
        Assert.Equal(10L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"data\": [{\"order_id\": 1}")]
    [InlineData("[]")]
    [InlineData("{\"rows\": []}")]
    public async Task ABodyThatIsNotAnImportIsRefusedAtOnceAndNothingIsStored(string body)
    {
        var reply = await UploadAsync("/imports/orders", body, "application/json");

        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        Assert.NotNull(JsonNode.Parse(await reply.Content.ReadAsStringAsync())!["validation_error"]!["errors"]);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM imports"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM jobs"));
    }

    [Fact]
    public async Task ANonLocalClientWithoutTheKeyIsRefused()
    {
        using var anonymous = api.CreateClient();

        var reply = await anonymous.PostAsync("/imports/orders", new StringContent("{\"data\": []}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, reply.StatusCode);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    [Fact]
    public async Task AnUnknownImportIsNotFound()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/imports/999")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/imports/abc")).StatusCode);
    }

    internal static HttpClient Client(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", JobsFactory.ApiKey);
        return client;
    }

    private Task<HttpResponseMessage> UploadAsync(string path, string body, string contentType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return _client.PostAsync(path, content);
    }

    private Task<JsonNode> WaitAsync(long id, TimeSpan? timeout = null) => WaitAsync(_client, id, timeout);

    internal static async Task<JsonNode> WaitAsync(HttpClient client, long id, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var json = JsonNode.Parse(await client.GetStringAsync($"/imports/{id}"))!;
            if ((string?)json["status"] is "succeeded" or "failed" || DateTime.UtcNow > until)
            {
                return json;
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>Jobs whose workers die or lose their lease. The class's own host runs no workers, so a test decides who holds a job.</summary>
public class JobRecoveryTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AJobWhoseWorkerDiedMidwayIsResumedByAnotherWithoutDuplicates()
    {
        var orders = Fake.Orders(60_000, regions: 100, seed: 3).ToArray();
        using var uploader = api.WithWebHostBuilder(b => b.UseSetting("Security:ApiKey", JobsFactory.ApiKey));
        using var client = ImportJobTests.Client(uploader);
        var accepted = await client.PostAsync("/imports/orders", new StringContent(JsonSerializer.Serialize(new { data = orders }), Encoding.UTF8, "application/json"));
        var id = (long)JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!;

        // A worker takes the job, starts loading, and dies 0.4 s in: no heartbeat, no failure recorded.
        var store = api.Services.GetRequiredService<JobStore>();
        var claimed = await store.TryClaimAsync("dying-worker", TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.NotNull(claimed);
        var handler = api.Services.GetServices<IJobHandler>().Single();
        using (var death = new CancellationTokenSource(TimeSpan.FromMilliseconds(400)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                handler.RunAsync(new JobRun(claimed.JobId, claimed.Argument, claimed.Attempt, claimed.MaxAttempts, "dying-worker"), death.Token));
        }

        Assert.Equal("running", await api.ScalarAsync<string>("SELECT status FROM imports"));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));

        // Another process with workers picks the job up once the lease has run out.
        using var survivor = api.WithWebHostBuilder(b =>
        {
            b.UseSetting("Security:ApiKey", JobsFactory.ApiKey);
            b.UseSetting("Jobs:Enabled", "true");
            b.UseSetting("Jobs:PollSeconds", "0.2");
        });
        using var survivorClient = ImportJobTests.Client(survivor);
        var done = await ImportJobTests.WaitAsync(survivorClient, id, TimeSpan.FromMinutes(2));

        Assert.Equal("succeeded", (string?)done["status"]);
        Assert.Equal(2, (int)done["attempts"]!);
        Assert.Equal(60_000L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(2, await api.ScalarAsync<int>("SELECT attempts FROM jobs"));
        Assert.Equal("succeeded", await api.ScalarAsync<string>("SELECT state FROM jobs"));
    }

    [Fact]
    public async Task TheFinishTimeIsWhenTheLoadCommittedNotWhenItBegan()
    {
        var orders = Fake.Orders(200, regions: 5, seed: 11).ToArray();
        using var uploader = api.WithWebHostBuilder(b => b.UseSetting("Security:ApiKey", JobsFactory.ApiKey));
        using var client = ImportJobTests.Client(uploader);
        var accepted = await client.PostAsync("/imports/orders", new StringContent(JsonSerializer.Serialize(new { data = orders }), Encoding.UTF8, "application/json"));
        var id = (long)JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!;
        var store = api.Services.GetRequiredService<JobStore>();
        var claimed = await store.TryClaimAsync("worker", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(claimed);

        // Hold the job's row: the load runs, then its final "succeeded" update waits for us.
        await using var blocker = new Npgsql.NpgsqlConnection(api.ConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockJob = new Npgsql.NpgsqlCommand("SELECT 1 FROM jobs WHERE job_id = $1 FOR UPDATE", blocker, hold))
        {
            lockJob.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = claimed.JobId });
            await lockJob.ExecuteScalarAsync();
        }

        var handler = api.Services.GetServices<IJobHandler>().Single();
        var load = handler.RunAsync(new JobRun(claimed.JobId, claimed.Argument, claimed.Attempt, claimed.MaxAttempts, "worker"), CancellationToken.None);
        DateTime loadBegan;
        while (true)
        {
            // The loading transaction, done with its rows, now waits for our lock: when did it begin?
            var waiting = await api.ScalarAsync<object?>(
                "SELECT xact_start FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE jobs%'");
            if (waiting is DateTime began)
            {
                loadBegan = began;
                break;
            }

            Assert.False(load.IsCompleted, "the load finished without waiting for the job's row");
            await Task.Delay(20);
        }

        await Task.Delay(500);
        var released = await api.ScalarAsync<DateTime>("SELECT clock_timestamp()");
        await hold.CommitAsync();
        await load;

        var done = JsonNode.Parse(await client.GetStringAsync($"/imports/{id}"))!;
        Assert.Equal("succeeded", (string?)done["status"]);
        Assert.True((double)done["duration_seconds"]! >= 0.5, $"duration_seconds {done["duration_seconds"]}, but the load waited 0.5 s before it could finish");
        Assert.True(await api.ScalarAsync<DateTime>("SELECT finished_at FROM imports") >= released);
        Assert.True(await api.ScalarAsync<DateTime>("SELECT finished_at FROM jobs") > loadBegan, "the job's finish time is the start of its loading transaction");
    }

    [Fact]
    public async Task AWorkerThatLostItsLeaseCannotFinishTheJob()
    {
        var store = api.Services.GetRequiredService<JobStore>();
        await using var connection = new Npgsql.NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using (var tx = await connection.BeginTransactionAsync())
        {
            await JobStore.EnqueueAsync(connection, "import", 1, 3, CancellationToken.None);
            await tx.CommitAsync();
        }

        var a = await store.TryClaimAsync("a", TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.NotNull(a);
        Assert.Null(await store.TryClaimAsync("b", TimeSpan.FromMinutes(1), CancellationToken.None)); // held
        await Task.Delay(600);
        var b = await store.TryClaimAsync("b", TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(a.JobId, b?.JobId);
        Assert.Equal(2, b!.Attempt);
        Assert.False(await JobStore.SucceedAsync(connection, a.JobId, "a", CancellationToken.None));
        Assert.False(await store.RenewAsync(a.JobId, "a", TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.True(await JobStore.SucceedAsync(connection, b.JobId, "b", CancellationToken.None));
    }

    [Fact]
    public async Task FailedAttemptsAreRetriedWithBackoffThenFailForGood()
    {
        var store = api.Services.GetRequiredService<JobStore>();
        await using var connection = new Npgsql.NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await JobStore.EnqueueAsync(connection, "import", 1, 2, CancellationToken.None);

        var first = await store.TryClaimAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.False(await store.FailAsync(first!.JobId, "w", "boom 1", CancellationToken.None));
        Assert.Null(await store.TryClaimAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None)); // backing off
        await api.ScalarAsync<int>("UPDATE jobs SET run_at = now() RETURNING 1");
        var second = await store.TryClaimAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.True(await store.FailAsync(second!.JobId, "w", "boom 2", CancellationToken.None));

        Assert.Equal("failed", await api.ScalarAsync<string>("SELECT state FROM jobs"));
        Assert.Equal("boom 2", await api.ScalarAsync<string>("SELECT last_error FROM jobs"));
        Assert.Null(await store.TryClaimAsync("w", TimeSpan.FromMinutes(1), CancellationToken.None));
    }
}
