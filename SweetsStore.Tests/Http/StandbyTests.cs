using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>The API against a real primary and synchronous standby (<see cref="ReplicaPair"/>).</summary>
public class StandbyTests(ReplicaPair pair) : IClassFixture<ReplicaPair>
{
    [Fact]
    public async Task AWriteToAStandbyIs503NotA500AndTheStandbyIsNotReady()
    {
        // One host that is a standby: reads work, writes fail with 25006 (read_only_sql_transaction).
        await using var api = Api(pair.Standby);
        var client = api.CreateClient();

        var write = await client.PostAsJsonAsync("/couriers", new { data = new[] { Courier(1) } });
        var read = await client.GetAsync("/couriers/1");
        var ready = await client.GetAsync("/health/ready");

        await Expect503Async(write);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("standby", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NoPrimaryAmongTheHostsIs503NotA500()
    {
        // The standby and a host nobody listens on: "No suitable host was found" / "Unable to connect to a suitable host".
        await using var api = Api(pair.Hosts(pair.StandbyPort, 1) + ";Timeout=2");
        var client = api.CreateClient();

        await Expect503Async(await client.PostAsJsonAsync("/orders/assign", new { courier_id = 1 }));
        await Expect503Async(await client.PostAsJsonAsync("/orders/complete", new { courier_id = 1, order_id = 1, complete_time = "2026-01-10T10:00:00Z" }));
        await Expect503Async(await client.PostAsJsonAsync("/couriers", new { data = new[] { Courier(3) } }));

        await Expect503Async(await client.GetAsync("/couriers/1"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task WithAReadsSourceListsAndCountsReadTheStandbyAndPointReadsThePrimary()
    {
        await using var api = Api(pair.BothHosts, reads: pair.BothHosts);
        var client = api.CreateClient();
        var couriersBefore = await CountAsync(client, "/stats", "couriers");

        await WithReplayPausedAsync(async () =>
        {
            (await client.PostAsJsonAsync("/couriers", new { data = new[] { Courier(1001) } })).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/orders", new { data = new[] { Order(1001) } })).EnsureSuccessStatusCode();

            // Decisions and reads after a write: the primary.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/couriers/1001")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/orders/1001")).StatusCode);
            var assign = await client.PostAsJsonAsync("/orders/assign", new { courier_id = 1001 });
            Assert.Equal(1001, (int)(await assign.Content.ReadFromJsonAsync<JsonNode>())!["orders"]![0]!["id"]!);

            // Pages and counts: the standby, whose replay is paused: they do not show the new rows yet.
            Assert.DoesNotContain(1001L, await IdsAsync(client, "/couriers?limit=1000", "couriers", "courier_id"));
            Assert.DoesNotContain(1001L, await IdsAsync(client, "/orders?limit=1000", "orders", "order_id"));
            Assert.Equal(couriersBefore, await CountAsync(client, "/stats", "couriers"));
        });

        // Once the standby replays again, so do they.
        await EventuallyAsync(async () => (await IdsAsync(client, "/couriers?limit=1000", "couriers", "courier_id")).Contains(1001L));
        Assert.Contains(1001L, await IdsAsync(client, "/orders?limit=1000", "orders", "order_id"));
    }

    [Fact]
    public async Task WithoutAReadsSourceEveryReadIsOnThePrimary()
    {
        await using var api = Api(pair.BothHosts);
        var client = api.CreateClient();

        await WithReplayPausedAsync(async () =>
        {
            (await client.PostAsJsonAsync("/couriers", new { data = new[] { Courier(2001) } })).EnsureSuccessStatusCode();

            Assert.Contains(2001L, await IdsAsync(client, "/couriers?limit=1000", "couriers", "courier_id"));
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        });
    }

    [Fact]
    public async Task HangfireRunsJobsOnThePrimaryWhenAStandbyIsListedFirst()
    {
        // After a failover and a rejoin the first host of the list is a standby. Hangfire's storage must connect to
        // the primary, as the requests do: on the standby every enqueue, fetch and state change fails (25006).
        await using var api = Api(pair.Hosts(pair.StandbyPort, pair.PrimaryPort), jobs: true);
        var client = ImportJobTests.Client(api);

        var id = await ImportJobTests.UploadAsync(client, "/imports/orders", JsonSerializer.Serialize(new { data = Fake.Orders(200, regions: 2, firstId: 700_001).ToArray() }));

        var done = await ImportJobTests.WaitAsync(client, id);
        Assert.Equal("succeeded", (string?)done["status"]);
        Assert.Equal(200L, (long)(await pair.ScalarAsync(pair.PrimaryPort, "SELECT count(*) FROM orders WHERE order_id > 700000"))!);
        // Both servers announce themselves there: the imports one has (it ran the job); the maintenance one, started
        // beside it, announces itself on its own thread, which a loaded machine may run later.
        await EventuallyAsync(async () => (long)(await pair.ScalarAsync(pair.PrimaryPort, $"SELECT count(*) FROM hangfire.server WHERE split_part(id, ':', 2) = '{Environment.ProcessId}'"))! == 2);
    }

    /// <summary>The API on <paramref name="connectionString"/> (the pair's primary is migrated); with <paramref name="jobs"/>, Hangfire's servers too.</summary>
    internal static WebApplicationFactory<Program> Api(string connectionString, string? reads = null, bool jobs = false) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("ConnectionStrings:Postgres", connectionString);
            if (reads is not null)
            {
                b.UseSetting("ConnectionStrings:PostgresReads", reads);
            }

            b.UseSetting("Database:MigrateOnStartup", "false"); // the pair's primary is migrated
            b.UseSetting("Database:AnalyzeCheckSeconds", "0");
            b.UseSetting("Jobs:Enabled", jobs ? "true" : "false");
            b.UseSetting("Jobs:PollSeconds", "0.2");
            b.UseSetting("Jobs:SchedulePollSeconds", "1");
            b.UseSetting("Jobs:RetryDelaySeconds", "1");
            b.UseSetting("Security:ApiKey", JobsFactory.ApiKey);
            b.UseSetting("Logging:LogLevel:Default", "None");
        });

    internal static async Task Expect503Async(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"expected 503, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.DoesNotContain("Npgsql", body);
    }

    internal static object Courier(long id) => new { courier_id = id, courier_type = "car", regions = new[] { 1 }, working_hours = new[] { "00:00-23:59" } };

    internal static object Order(long id) => new { order_id = id, weight = 1.5, region = 1, delivery_hours = new[] { "00:00-23:59" } };

    internal static async Task EventuallyAsync(Func<Task<bool>> condition, double seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"not within {seconds} s");
            await Task.Delay(100);
        }
    }

    private async Task WithReplayPausedAsync(Func<Task> body)
    {
        // Everything written so far is replayed first, so "not shown" below means "written while paused".
        var written = (string)(await pair.ScalarAsync(pair.PrimaryPort, "SELECT pg_current_wal_lsn()::text"))!;
        await EventuallyAsync(async () => (bool)(await pair.ScalarAsync(pair.StandbyPort, $"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn"))!);
        await pair.ScalarAsync(pair.StandbyPort, "SELECT pg_wal_replay_pause()");
        await EventuallyAsync(async () => (string)(await pair.ScalarAsync(pair.StandbyPort, "SELECT pg_get_wal_replay_pause_state()"))! == "paused");
        try
        {
            await body();
        }
        finally
        {
            await pair.ScalarAsync(pair.StandbyPort, "SELECT pg_wal_replay_resume()");
        }
    }

    private static async Task<long[]> IdsAsync(HttpClient client, string path, string items, string field)
    {
        var page = await client.GetFromJsonAsync<JsonNode>(path);
        return page![items]!.AsArray().Select(i => (long)i![field]!).ToArray();
    }

    private static async Task<long> CountAsync(HttpClient client, string path, string field) =>
        (long)(await client.GetFromJsonAsync<JsonNode>(path))![field]!;
}

/// <summary>The primary lost and its standby promoted while the API runs: it follows, with 503s (never a 500) in between.</summary>
public class FailoverTests(ReplicaPair pair) : IClassFixture<ReplicaPair>
{
    [Fact]
    public async Task FollowsThePromotedStandbyWithoutARestartAndLosesNothingAcknowledged()
    {
        await using var api = StandbyTests.Api(pair.BothHosts, jobs: true);
        var client = api.CreateClient();
        (await client.PostAsJsonAsync("/couriers", new { data = new[] { StandbyTests.Courier(1) } })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/orders", new { data = new[] { StandbyTests.Order(1), StandbyTests.Order(2) } })).EnsureSuccessStatusCode();
        var assigned = await (await client.PostAsJsonAsync("/orders/assign", new { courier_id = 1 })).Content.ReadFromJsonAsync<JsonNode>();

        await pair.KillPrimaryAsync();

        // No primary at all: every request is a prompt 503 (the pool's connections to the dead primary included).
        for (var i = 0; i < 5; i++)
        {
            await StandbyTests.Expect503Async(await client.PostAsJsonAsync("/orders/assign", new { courier_id = 1 }));
            await StandbyTests.Expect503Async(await client.GetAsync("/couriers/1"));
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready")).StatusCode);

        await pair.PromoteStandbyAsync();

        // The same process serves again on the new primary, and the bundle acknowledged before the kill is there.
        HttpResponseMessage? again = null;
        await StandbyTests.EventuallyAsync(async () =>
        {
            again = await client.PostAsJsonAsync("/orders/assign", new { courier_id = 1 });
            if (again.StatusCode != HttpStatusCode.OK)
            {
                await StandbyTests.Expect503Async(again);
            }

            return again.StatusCode == HttpStatusCode.OK;
        });
        var repeated = await again!.Content.ReadFromJsonAsync<JsonNode>();
        Assert.Equal(assigned!.ToJsonString(), repeated!.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var completed = await client.PostAsJsonAsync("/orders/complete", new { courier_id = 1, order_id = 1, complete_time = DateTime.UtcNow.AddMinutes(10).ToString("yyyy-MM-ddTHH:mm:ssZ") });
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);

        // Hangfire's servers lived through the loss (their loops failed and retried) and work on the new primary:
        // a background import is enqueued, fetched and loaded there.
        var jobs = ImportJobTests.Client(api);
        var id = await ImportJobTests.UploadAsync(jobs, "/imports/orders", JsonSerializer.Serialize(new { data = Fake.Orders(100, regions: 2, firstId: 1001).ToArray() }));
        Assert.Equal("succeeded", (string?)(await ImportJobTests.WaitAsync(jobs, id, TimeSpan.FromSeconds(60)))["status"]);
        Assert.Equal(100L, (long)(await pair.ScalarAsync(pair.StandbyPort, "SELECT count(*) FROM orders WHERE order_id > 1000"))!);
    }
}
