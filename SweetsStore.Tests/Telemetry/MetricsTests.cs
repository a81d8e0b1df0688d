using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using SweetsStore.Tests.Http;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Telemetry;

/// <summary>
/// The API with an operator key and loopback trusted (the peer comes from <c>X-Test-Peer</c>), gauges counted at most
/// every 5 s by a clock the test moves (<see cref="Timestamps"/>), and an assign that lost any race logged. Its logs
/// are kept with their scopes.
/// </summary>
public sealed class MetricsFactory : ApiFactory
{
    public const string Key = "metrics-key-0123456789abcdef";
    public const double CountsSeconds = 5;

    public ScopeCapturingLoggerProvider Logs { get; } = new(LogLevel.Information);

    /// <summary>The host's monotonic timestamps (how old the counts are); its wall clock stays the real one.</summary>
    public ManualTimestamps Timestamps { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Jobs:Enabled", "false"),
        new("Security:ApiKey", Key),
        new("Security:TrustLoopback", "true"),
        new("Telemetry:CountsSeconds", CountsSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Telemetry:AssignRetriesWarning", "0"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l => l.AddProvider(Logs));
        builder.ConfigureServices(s => s.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter, OperatorAccessFactory.PeerFromHeader>());
        builder.ConfigureServices(s => s.AddSingleton<TimeProvider>(Timestamps));
    }
}

/// <summary>Timestamps that move only when told (<see cref="Advance"/>); <see cref="TimeProvider.GetUtcNow"/> is the system's.</summary>
public sealed class ManualTimestamps : TimeProvider
{
    private long _ticks = TimeSpan.TicksPerDay;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// Runs alone: OpenTelemetry listens to meters by name, so another test host's assigns (same meter name, same process)
/// would show in this host's scrape.
/// </summary>
[CollectionDefinition("Metrics", DisableParallelization = true)]
public sealed class MetricsCollection;

/// <summary>Contract section 10.3: <c>GET /metrics</c> in the Prometheus text format, for operators.</summary>
[Collection("Metrics")]
public class MetricsTests(MetricsFactory api) : IClassFixture<MetricsFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.CreateClient();

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("10.1.2.3", null, null, HttpStatusCode.Unauthorized)]
    [InlineData("10.1.2.3", "wrong-key-0123456789abcdef", null, HttpStatusCode.Unauthorized)]
    [InlineData("10.1.2.3", MetricsFactory.Key, null, HttpStatusCode.OK)]
    [InlineData("127.0.0.1", null, null, HttpStatusCode.OK)]
    [InlineData("127.0.0.1", null, "203.0.113.9", HttpStatusCode.Unauthorized)]
    public async Task MetricsAreForOperators(string peer, string? key, string? forwardedFor, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Test-Peer", peer);
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await _client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        if (expected == HttpStatusCode.OK)
        {
            Assert.StartsWith("text/plain; version=0.0.4", response.Content.Headers.ContentType!.ToString());
            Assert.Contains("# TYPE sweetsstore_assigns_total counter", body);
        }
        else
        {
            Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
            var problem = JsonNode.Parse(body)!;
            Assert.Equal(401, (int)problem["status"]!);
            Assert.Contains("X-Api-Key", (string?)problem["detail"]);
            Assert.DoesNotContain("sweetsstore_", body);
        }
    }

    [Fact]
    public async Task AssignsCompletesBundlesAndImportsAreCounted()
    {
        var before = await ScrapeAsync();
        await PostAsync("/couriers", new
        {
            data = new[] { Fake.Courier(1).OfType("bike").InRegions(1).Build(), Fake.Courier(2).OfType("foot").InRegions(9).Build() },
        });
        // A bike carries 15 kg: the most orders that fit are two, the heaviest such pair is 2.5 + 4 = 6.5 kg.
        await PostAsync("/orders", new
        {
            data = new[]
            {
                Fake.Order(1).Weighing(2.5m).InRegion(1).Build(), Fake.Order(2).Weighing(4m).InRegion(1).Build(),
                Fake.Order(3).Weighing(14m).InRegion(1).Build(),
            },
        });

        var bundle = await PostAsync("/orders/assign", new { courier_id = 1 });
        Assert.Equal([1L, 2L], bundle["orders"]!.AsArray().Select(o => (long)o!["id"]!));
        await PostAsync("/orders/assign", new { courier_id = 1 }); // the open bundle again
        Assert.Empty((await PostAsync("/orders/assign", new { courier_id = 2 }))["orders"]!.AsArray()); // nothing in region 9
        var at = NodaTime.Text.InstantPattern.ExtendedIso.Format(ApiFactory.Start + NodaTime.Duration.FromHours(1));
        await PostAsync("/orders/complete", new { courier_id = 1, order_id = 1, complete_time = at });
        await PostAsync("/orders/complete", new { courier_id = 1, order_id = 1, complete_time = at }); // changes nothing
        var after = await ScrapeAsync();

        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
        Assert.Equal(1, Delta("sweetsstore_assigns_total", ("outcome", "new")));
        Assert.Equal(1, Delta("sweetsstore_assigns_total", ("outcome", "repeat")));
        Assert.Equal(1, Delta("sweetsstore_assigns_total", ("outcome", "empty")));
        Assert.Equal(1, Delta("sweetsstore_bundle_orders_count"));
        Assert.Equal(2, Delta("sweetsstore_bundle_orders_sum"));
        Assert.Equal(1, Delta("sweetsstore_bundle_orders_bucket", ("le", "2")));
        Assert.Equal(0, Delta("sweetsstore_bundle_orders_bucket", ("le", "1")));
        Assert.Equal(1, Delta("sweetsstore_bundle_fill_count"));
        Assert.Equal(6.5 / 15, Delta("sweetsstore_bundle_fill_sum"), 9);
        Assert.Equal(1, Delta("sweetsstore_bundle_fill_bucket", ("le", "0.5")));
        Assert.Equal(0, Delta("sweetsstore_bundle_fill_bucket", ("le", "0.4")));
        Assert.Equal(1, Delta("sweetsstore_completes_total"));
        Assert.Equal(2, Delta("sweetsstore_imported_rows_total", ("kind", "couriers"), ("mode", "sync")));
        Assert.Equal(3, Delta("sweetsstore_imported_rows_total", ("kind", "orders"), ("mode", "sync")));
        Assert.Equal(0, Delta("sweetsstore_assign_retries_total"));
        // One request after another: each ran alone, one transaction each (CoalescedCompleteTests: shared ones).
        Assert.Equal(3, Delta("sweetsstore_write_transactions_total", ("kind", "assign")));
        Assert.Equal(3, Delta("sweetsstore_write_requests_total", ("kind", "assign")));
        Assert.Equal(2, Delta("sweetsstore_write_transactions_total", ("kind", "complete")));
        Assert.Equal(2, Delta("sweetsstore_write_requests_total", ("kind", "complete")));

        // ASP.NET Core's request durations, by route and status.
        Assert.Equal(3, Delta("http_server_request_duration_seconds_count",
            ("http_route", "orders/assign"), ("http_request_method", "POST"), ("http_response_status_code", "200")));
        Assert.Equal(2, Delta("http_server_request_duration_seconds_count", ("http_route", "orders/complete"), ("http_response_status_code", "200")));
        Assert.True(Delta("http_server_request_duration_seconds_bucket", ("http_route", "orders/assign"), ("le", "+Inf")) == 3);
    }

    [Fact]
    public async Task TheGaugesAreCountsHeldInMemoryAndCountedAgainAtMostEveryCountsSeconds()
    {
        await PostAsync("/couriers", new { data = new[] { Fake.Courier(1).OfType("car").InRegions(1).Build() } });
        await PostAsync("/orders", new { data = Fake.Orders(5, regions: 1).ToArray() });

        // A scrape counts when the counts it holds are older than Telemetry:CountsSeconds (a previous test's are not yet:
        // the host's timestamps move only when this test moves them).
        api.Timestamps.Advance(TimeSpan.FromSeconds(MetricsFactory.CountsSeconds));
        var fresh = await ScrapeUntilAsync(s => s.Sum("sweetsstore_orders", ("status", "pending")) == 5 && s.Sum("sweetsstore_counts_age_seconds") < 1);
        Assert.Equal(0, fresh.Sum("sweetsstore_orders", ("status", "assigned")));
        Assert.Equal(1, fresh.Sum("sweetsstore_couriers"));
        Assert.Equal(0, fresh.Sum("sweetsstore_bundles", ("state", "open")));
        Assert.Equal(
            ["deleted", "enqueued", "failed", "processing", "scheduled", "succeeded"],
            fresh.Matching("sweetsstore_jobs").Select(s => s.Labels["state"]).Order());

        // Three more orders and an assign: the next scrapes still show what was counted, until it is CountsSeconds old
        // (by the host's timestamps, which the test moves: however long these requests take on a loaded machine).
        await PostAsync("/orders", new { data = Fake.Orders(3, regions: 1, firstId: 100).ToArray() });
        var bundle = await PostAsync("/orders/assign", new { courier_id = 1 });
        var assigned = bundle["orders"]!.AsArray().Count;
        Assert.True(assigned > 0);
        var held = await ScrapeAsync();
        Assert.Equal(5, held.Sum("sweetsstore_orders", ("status", "pending")));
        Assert.Equal(0, held.Sum("sweetsstore_counts_age_seconds"));
        api.Timestamps.Advance(TimeSpan.FromSeconds(MetricsFactory.CountsSeconds) - TimeSpan.FromMilliseconds(1));
        var stillHeld = await ScrapeAsync();
        Assert.Equal(5, stillHeld.Sum("sweetsstore_orders", ("status", "pending")));
        Assert.Equal(MetricsFactory.CountsSeconds - 0.001, stillHeld.Sum("sweetsstore_counts_age_seconds"), 9);

        api.Timestamps.Advance(TimeSpan.FromMilliseconds(1));
        var recounted = await ScrapeUntilAsync(s => s.Sum("sweetsstore_orders", ("status", "pending")) != 5);
        Assert.Equal(8 - assigned, recounted.Sum("sweetsstore_orders", ("status", "pending")));
        Assert.Equal(assigned, recounted.Sum("sweetsstore_orders", ("status", "assigned")));
        Assert.Equal(1, recounted.Sum("sweetsstore_bundles", ("state", "open")));
    }

    [Fact]
    public async Task TheRuntimesAndNpgsqlsMetersAreServedWithoutTheDatabasePassword()
    {
        await PostAsync("/couriers", new { data = new[] { Fake.Courier(1).Build() } });

        var scrape = await ScrapeAsync();

        Assert.Contains(scrape.Samples, s => s.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal));
        Assert.Contains(scrape.Samples, s => s.Name == "db_client_operation_duration_seconds_count" && s.Value > 0);
        Assert.Contains(scrape.Samples, s => s.Name == "db_client_connection_count");
        var password = new NpgsqlConnectionStringBuilder(api.ConnectionString).Password;
        Assert.False(string.IsNullOrEmpty(password));
        Assert.DoesNotContain(password, scrape.Text);
        Assert.DoesNotContain("Password=", scrape.Text, StringComparison.OrdinalIgnoreCase);

        // What records on every request, command or buffer rent and tells little is left out (Telemetry:EveryInstrument).
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("http_server_active_requests", StringComparison.Ordinal));
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("aspnetcore_routing_match_attempts", StringComparison.Ordinal));
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("aspnetcore_memory_pool_", StringComparison.Ordinal));
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("db_client_operation_npgsql_bytes_", StringComparison.Ordinal));
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("db_client_operation_npgsql_executing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAssignThatLostARaceForItsOrdersIsLoggedWithItsTraceIdAndCounted()
    {
        // Courier 1 and order 1, which a transaction of this test gives to courier 2 while courier 1's assign waits for it.
        await PostAsync("/couriers", new { data = new[] { Fake.Courier(1).OfType("car").Build(), Fake.Courier(2).OfType("car").Build() } });
        await PostAsync("/orders", new { data = new[] { Fake.Order(1).Build() } });
        var before = await ScrapeAsync();

        await using var rival = new NpgsqlConnection(api.ConnectionString);
        await rival.OpenAsync();
        await using var tx = await rival.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand(
            """
            WITH b AS (INSERT INTO bundles (courier_id, courier_type, coefficient, assign_time) VALUES (2, 'car', 9, now()) RETURNING bundle_id)
            UPDATE orders SET bundle_id = (SELECT bundle_id FROM b) WHERE order_id = 1
            """, rival, tx))
        {
            await take.ExecuteNonQueryAsync();
        }

        var assign = _client.PostAsJsonAsync("/orders/assign", new { courier_id = 1 });
        await WaitForLockWaitAsync(); // courier 1's claim of order 1 waits for this transaction
        await tx.CommitAsync();
        using var response = await assign;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["orders"]!.AsArray()); // the order went to courier 2
        var traceId = Assert.Single(response.Headers.GetValues("X-Trace-Id"));
        var warning = Assert.Single(api.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.StartsWith("Assign for courier 1 ", StringComparison.Ordinal));
        Assert.Equal(
            "Assign for courier 1 took 2 attempts: other assigns took its chosen orders 1 time(s); it got empty (warned above Telemetry:AssignRetriesWarning = 0)",
            warning.Message);
        Assert.Equal(traceId, warning["TraceId"]?.ToString()); // the request's trace id, as on every line it logs
        var after = await ScrapeAsync();
        Assert.Equal(1, after.Sum("sweetsstore_assign_retries_total") - before.Sum("sweetsstore_assign_retries_total"));
        Assert.Equal(1, after.Sum("sweetsstore_assigns_total", ("outcome", "empty")) - before.Sum("sweetsstore_assigns_total", ("outcome", "empty")));
    }

    private async Task WaitForLockWaitAsync()
    {
        var database = new NpgsqlConnectionStringBuilder(api.ConnectionString).Database;
        for (var i = 0; i < 400; i++)
        {
            if (await api.ScalarAsync<long>(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE '%UPDATE orders%'", database!) > 0)
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("the assign never waited for the order's lock");
    }

    private async Task<JsonNode> PostAsync(string path, object body)
    {
        using var response = await _client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Api-Key", MetricsFactory.Key);
        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return PrometheusText.Parse(text);
    }

    private async Task<PrometheusText> ScrapeUntilAsync(Func<PrometheusText, bool> done)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(MetricsFactory.CountsSeconds * 3);
        while (true)
        {
            var scrape = await ScrapeAsync();
            if (done(scrape))
            {
                return scrape;
            }

            Assert.True(DateTime.UtcNow < until, "the scrape never showed what was expected:\n" + string.Join('\n', scrape.Samples.Where(s => s.Name.StartsWith("sweetsstore_", StringComparison.Ordinal))));
            await Task.Delay(250);
        }
    }
}

/// <summary>The API with every instrument ASP.NET Core and Npgsql offer.</summary>
public sealed class EveryInstrumentFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [.. base.Settings, new("Security:ApiKey", MetricsFactory.Key), new("Telemetry:EveryInstrument", "true")];
}

/// <summary><c>Telemetry:EveryInstrument=true</c> keeps the per-operation instruments left out by default.</summary>
[Collection("Metrics")]
public class EveryInstrumentTests(EveryInstrumentFactory api) : IClassFixture<EveryInstrumentFactory>
{
    [Fact]
    public async Task ThePerOperationInstrumentsAreServed()
    {
        using var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/couriers/1")).StatusCode); // a request and a command to count
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Api-Key", MetricsFactory.Key);
        using var response = await client.SendAsync(request);

        var scrape = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(scrape.Has("http_server_active_requests"));
        Assert.True(scrape.Has("aspnetcore_routing_match_attempts_total"));
        Assert.Contains(scrape.Samples, s => s.Name.StartsWith("db_client_operation_npgsql_bytes_read", StringComparison.Ordinal));
    }
}
