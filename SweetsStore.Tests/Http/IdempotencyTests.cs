using System.Net;
using System.Text;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SweetsStore.Api.Idempotency;
using SweetsStore.Api.Jobs;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>The API with an operator key, for the background imports.</summary>
public sealed class IdempotencyFactory : ApiFactory
{
    public const string ApiKey = "idempotency-test-key-0123";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Jobs:Enabled", "false"), new("Security:ApiKey", ApiKey)];
}

/// <summary>Contract 10.1: <c>Idempotency-Key</c> on every POST (docs/decisions/0014).</summary>
public class IdempotencyTests(IdempotencyFactory api) : DeliveryTest(api), IClassFixture<IdempotencyFactory>
{
    private const string Replayed = "Idempotent-Replayed";

    [Fact]
    public async Task ARetriedCourierImportAnswersTheFirst201NotAlreadyExists()
    {
        var body = Serialize(new { data = new[] { Fake.Courier(1).Build(), Fake.Courier(2).Build() } });

        var first = await KeyedAsync("/couriers", body, "import-couriers-1");
        var again = await KeyedAsync("/couriers", body, "import-couriers-1");
        var withoutKey = await KeyedAsync("/couriers", body, key: null);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal("""{"couriers":[{"id":1},{"id":2}]}""", first.Body);
        Assert.Null(first.Replayed);
        AssertReplayOf(first, again);
        Assert.Equal(HttpStatusCode.BadRequest, withoutKey.Status); // without a key: as before, "already exists"
        Assert.Equal(2L, await Api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
    }

    [Fact]
    public async Task ARetriedOrderImportStoresTheOrdersOnce()
    {
        var body = Serialize(new { data = Fake.Orders(300, regions: 3).ToArray() });

        var first = await KeyedAsync("/orders", body, "orders-1");
        var again = await KeyedAsync("/orders", body, "orders-1");

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal("{\"orders\":[" + string.Join(",", Enumerable.Range(1, 300).Select(id => $"{{\"id\":{id}}}")) + "]}", first.Body);
        Assert.Equal("application/json; charset=utf-8", first.ContentType);
        AssertReplayOf(first, again);
        Assert.Equal(300L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));

        // The answer (3.6 KB here, past the 2 KB where PostgreSQL compresses) is compressed with lz4, not pglz (0016).
        Assert.Equal("lz4", await Api.ScalarAsync<string>("SELECT pg_column_compression(body) FROM idempotency_keys WHERE idempotency_key = 'orders-1'"));
    }

    [Fact]
    public async Task ARetriedAssignAnswersTheFirstBundleEvenAfterItFinished()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1).Build());
        await Orders(Fake.Order(1).InRegion(1).Weighing(2).Build(), Fake.Order(2).InRegion(1).Weighing(3).Build());
        var body = """{"courier_id": 1}""";

        var first = await KeyedAsync("/orders/assign", body, "assign-1");
        foreach (var order in new[] { 1, 2 })
        {
            (await CompleteAsync(1, order, At(10 + order))).Expect(HttpStatusCode.OK);
        }

        await Orders(Fake.Order(3).InRegion(1).Build());
        var again = await KeyedAsync("/orders/assign", body, "assign-1");
        var fresh = await KeyedAsync("/orders/assign", body, "assign-2");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Contains("\"orders\":[{\"id\":1},{\"id\":2}]", first.Body);
        AssertReplayOf(first, again);
        Assert.Contains("\"orders\":[{\"id\":3}]", fresh.Body); // a new key is a new assign
        Assert.Equal(2L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
    }

    [Fact]
    public async Task AnAssignThatFindsNothingOrAnOpenBundleIsStoredToo()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1).Build());

        var empty = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "nothing");
        await Orders(Fake.Order(1).InRegion(1).Build());
        var stillEmpty = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "nothing");
        var (ids, _) = await AssignAsync(1);
        var open = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "open");
        var openAgain = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "open");

        Assert.Equal("""{"orders":[]}""", empty.Body);
        AssertReplayOf(empty, stillEmpty);
        Assert.Equal([1L], ids);
        Assert.Contains("\"orders\":[{\"id\":1}]", open.Body);
        AssertReplayOf(open, openAgain);
    }

    [Fact]
    public async Task ARetriedCompleteIsReplayedAndAFailedOneStoresIts400()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1).Build(), Fake.Courier(2).OfType("car").InRegions(1).Build());
        await Orders(Fake.Order(1).InRegion(1).Build());
        await AssignAsync(1);
        var body = Serialize(new { courier_id = 1, order_id = 1, complete_time = "2026-01-10T10:00:00Z" });
        var wrong = Serialize(new { courier_id = 2, order_id = 1, complete_time = "2026-01-10T10:00:00Z" });

        var first = await KeyedAsync("/orders/complete", body, "complete-1");
        var again = await KeyedAsync("/orders/complete", body, "complete-1");
        var refused = await KeyedAsync("/orders/complete", wrong, "complete-2");
        var refusedAgain = await KeyedAsync("/orders/complete", wrong, "complete-2");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("""{"order_id":1}""", first.Body);
        AssertReplayOf(first, again);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("is assigned to another courier", refused.Body);
        AssertReplayOf(refused, refusedAgain);
        Assert.Equal("2026-01-10T10:00:00Z", (string?)(await GetAsync("/orders/1")).Json!["complete_time"]);
    }

    [Fact]
    public async Task AStored400IsReplayedEvenOnceTheRequestWouldSucceed()
    {
        var first = await KeyedAsync("/orders/assign", """{"courier_id": 7}""", "unknown-courier");
        await Couriers(Fake.Courier(7).Build());
        var again = await KeyedAsync("/orders/assign", """{"courier_id": 7}""", "unknown-courier");
        var invalid = await KeyedAsync("/orders", """{"data": [{"order_id": 1}""", "broken-json");
        var invalidAgain = await KeyedAsync("/orders", """{"data": [{"order_id": 1}""", "broken-json");

        Assert.Equal(HttpStatusCode.BadRequest, first.Status);
        AssertReplayOf(first, again);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Contains("is not valid JSON", invalid.Body);
        AssertReplayOf(invalid, invalidAgain);
    }

    [Fact]
    public async Task BackgroundImportsReplayTheir202WithTheSameLocationAndStoreOneUpload()
    {
        var orders = Serialize(new { data = Fake.Orders(20, regions: 2).ToArray() });
        var couriers = Serialize(new { data = new[] { Fake.Courier(1).Build() } });

        var first = await KeyedAsync("/imports/orders", orders, "bulk-orders");
        var again = await KeyedAsync("/imports/orders", orders, "bulk-orders");
        var firstCouriers = await KeyedAsync("/imports/couriers", couriers, "bulk-couriers");
        var againCouriers = await KeyedAsync("/imports/couriers", couriers, "bulk-couriers");

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal("/imports/1", first.Location);
        Assert.Contains("\"status\":\"queued\"", first.Body);
        AssertReplayOf(first, again);
        Assert.Equal("/imports/2", firstCouriers.Location);
        AssertReplayOf(firstCouriers, againCouriers);
        Assert.Equal(2L, await Api.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    [Fact]
    public async Task ARefused401IsNotStoredSoTheRetryWithTheKeyDoesTheWork()
    {
        var orders = Serialize(new { data = Fake.Orders(3, regions: 1).ToArray() });

        var refused = await KeyedAsync("/imports/orders", orders, "before-the-api-key", apiKey: false);
        var keysAfterRefusal = await KeysAsync();
        var retried = await KeyedAsync("/imports/orders", orders, "before-the-api-key");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Empty(keysAfterRefusal);
        Assert.Equal(HttpStatusCode.Accepted, retried.Status);
        Assert.Null(retried.Replayed);
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    [Fact]
    public async Task AnOperatorEndpointJudgesTheCallerBeforeTheKey()
    {
        var orders = Serialize(new { data = Fake.Orders(1, regions: 1).ToArray() });

        var refused = await KeyedAsync("/imports/orders", orders, "has space", apiKey: false);
        var allowed = await KeyedAsync("/imports/orders", orders, "has space");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Contains("X-Api-Key", refused.Body);
        Assert.Equal(HttpStatusCode.BadRequest, allowed.Status);
        Assert.Contains("Idempotency-Key", allowed.Body);
    }

    [Fact]
    public async Task TheSameKeyWithAnotherBodyMethodOrPathIs422()
    {
        await Couriers(Fake.Courier(1).Build(), Fake.Courier(2).Build());
        (await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "k")).Expect(HttpStatusCode.OK);

        var otherBody = await KeyedAsync("/orders/assign", """{"courier_id": 2}""", "k");
        var otherPath = await KeyedAsync("/orders", """{"data": []}""", "k");
        var otherPathInvalid = await KeyedAsync("/orders", """{"data": 5}""", "k");

        foreach (var reply in new[] { otherBody, otherPath, otherPathInvalid })
        {
            var json = reply.Expect((HttpStatusCode)422);
            Assert.Equal(["title", "status", "detail", "trace_id"], json.AsObject().Select(p => p.Key));
            Assert.Equal(422, (int)json["status"]!);
        }

        Assert.Contains("another body", (string?)otherBody.Json!["detail"]);
        Assert.Contains("POST /orders/assign", (string?)otherPath.Json!["detail"]);
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles WHERE courier_id = 2"));
    }

    [Fact]
    public async Task WhileTheFirstRequestRunsTheSameKeyIs409WithRetryAfter()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1).Build());
        await Orders(Fake.Order(1).InRegion(1).Build());

        // Hold the courier's row: the first assign claims its key, then waits for the courier inside its transaction.
        await using var blocker = new NpgsqlConnection(Api.ConnectionString);
        await blocker.OpenAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await new NpgsqlCommand("SELECT 1 FROM couriers WHERE courier_id = 1 FOR UPDATE", blocker, tx).ExecuteNonQueryAsync();
        var running = KeyedAsync("/orders/assign", """{"courier_id": 1}""", "slow");
        await WaitForAsync(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1919 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");

        var second = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "slow");
        var secondOtherBody = await KeyedAsync("/orders/assign", """{"courier_id": 2}""", "slow");
        var invalidMeanwhile = await KeyedAsync("/orders/assign", """{"courier_id": "x"}""", "slow");

        // An import's claim goes out with its transaction's start and is awaited before its first rows are copied.
        var importMeanwhile = await KeyedAsync("/orders", Serialize(new { data = Fake.Orders(3, regions: 1, firstId: 100).ToArray() }), "slow");
        await tx.RollbackAsync();
        var first = await running;
        var third = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "slow");

        foreach (var busy in new[] { second, secondOtherBody, invalidMeanwhile, importMeanwhile })
        {
            Assert.Equal(HttpStatusCode.Conflict, busy.Status);
            Assert.Equal("1", busy.RetryAfter);
            Assert.Equal(["title", "status", "detail", "trace_id"], busy.Json!.AsObject().Select(p => p.Key));
        }

        Assert.Equal(HttpStatusCode.OK, first.Status);
        AssertReplayOf(first, third);
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task AnAnsweredKeyIsReplayedWhileALateCopyOfItsRequestHoldsTheKey()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1).Build());
        await Orders(Fake.Order(1).InRegion(1).Build());
        var first = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "late");
        var unknownOrder = """{"courier_id": 1, "order_id": 9, "complete_time": "2026-12-05T10:00:00Z"}""";
        var failed = await KeyedAsync("/orders/complete", unknownOrder, "late-400");

        // A copy of the request that timed out at the client reaches its claim after the answer was stored: for an
        // instant it holds the key's lock, until it finds the answer and refuses itself. Held here by the test.
        await using var late = new NpgsqlConnection(Api.ConnectionString);
        await late.OpenAsync();
        await using var tx = await late.BeginTransactionAsync();
        foreach (var key in new[] { "late", "late-400", "late-unanswered" })
        {
            await new NpgsqlCommand($"SELECT pg_advisory_xact_lock(1919, hashtext('{key}'))", late, tx).ExecuteNonQueryAsync();
        }

        var again = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "late");
        var failedAgain = await KeyedAsync("/orders/complete", unknownOrder, "late-400");
        var otherBody = await KeyedAsync("/orders/assign", """{"courier_id": 2}""", "late");
        var unanswered = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "late-unanswered");
        await tx.RollbackAsync();

        Assert.Equal(HttpStatusCode.OK, first.Status);
        AssertReplayOf(first, again);
        Assert.Equal(HttpStatusCode.BadRequest, failed.Status);
        AssertReplayOf(failed, failedAgain);
        Assert.Equal((HttpStatusCode)422, otherBody.Status);
        Assert.Equal(HttpStatusCode.Conflict, unanswered.Status); // nothing stored: that one is still running
        Assert.Equal("1", unanswered.RetryAfter);
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("caf\u00e9")]
    [InlineData(null)] // 256 characters
    public async Task AMalformedKeyIs400InTheEndpointsShape(string? key)
    {
        key ??= new string('k', 256);
        await Couriers(Fake.Courier(1).Build());

        var assign = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", key);
        var import = await KeyedAsync("/imports/orders", """{"data": []}""", key);
        var couriers = await KeyedAsync("/couriers", """{"data": []}""", key);

        Assert.Equal("""{"validation_error":{"errors":{"Idempotency-Key":["must be 1 to 255 visible ASCII characters"]}}}""", assign.Body);
        Assert.Equal(HttpStatusCode.BadRequest, assign.Status);
        Assert.Equal("""{"validation_error":{"orders":[],"errors":{"Idempotency-Key":["must be 1 to 255 visible ASCII characters"]}}}""", import.Body);
        Assert.Equal("""{"validation_error":{"couriers":[],"errors":{"Idempotency-Key":["must be 1 to 255 visible ASCII characters"]}}}""", couriers.Body);
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys"));
    }

    [Fact]
    public async Task The255CharacterKeyOfEveryVisibleCharacterWorks()
    {
        var key = string.Concat(Enumerable.Range('!', '~' - '!' + 1).Select(c => (char)c));
        key = (key + key + key)[..255];

        var first = await KeyedAsync("/couriers", """{"data": []}""", key);
        var again = await KeyedAsync("/couriers", """{"data": []}""", key);

        AssertReplayOf(first, again);
    }

    [Fact]
    public async Task AnExpiredKeyCountsAsNewAndThePurgeDeletesIt()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1).Build());
        var first = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "old");
        (await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "recent")).Expect(HttpStatusCode.OK);
        await Api.ScalarAsync<int>("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'old' RETURNING 1");
        await Orders(Fake.Order(1).InRegion(1).Build());

        var expired = await KeyedAsync("/orders/assign", """{"courier_id": 1}""", "old");
        await Api.ScalarAsync<int>("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE idempotency_key = 'old' RETURNING 1");
        var purged = await Api.Services.GetRequiredService<IdempotencyPurge>().PurgeAsync(CancellationToken.None);

        Assert.Equal("""{"orders":[]}""", first.Body);
        Assert.Equal(HttpStatusCode.OK, expired.Status);
        Assert.Null(expired.Replayed);
        Assert.Contains("\"orders\":[{\"id\":1}]", expired.Body);
        Assert.Equal(1, purged);
        Assert.Equal(["recent"], await KeysAsync());
    }

    [Fact]
    public void ThePurgeIsARecurringJobOfTheMaintenanceQueue()
    {
        Maintenance.Register(Api.Services.GetRequiredService<IRecurringJobManager>());
        using var connection = Api.Services.GetRequiredService<JobStorage>().GetConnection();

        var job = Assert.Single(connection.GetRecurringJobs(), j => j.Id == IdempotencyPurge.Id);
        Assert.Equal("*/15 * * * *", job.Cron);
        Assert.Equal(nameof(IdempotencyPurge.PurgeAsync), job.Job.Method.Name);
    }

    // A nonsense Idempotency:RetentionHours stops the start naming the setting: SettingsTests (in process and as a real
    // process, exit code 2), as for every other setting.

    [Fact]
    public async Task SixteenParallelRequestsWithOneKeyOnTwoInstancesHaveOneEffect()
    {
        using var second = Api.WithWebHostBuilder(_ => { });
        var clients = new[] { Client, second.CreateClient() };
        var body = Serialize(new { data = Fake.Orders(3000, regions: 5).ToArray() });

        var replies = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => KeyedAsync("/orders", body, "storm", clients[i % 2])));

        var answered = replies.Where(r => r.Status != HttpStatusCode.Conflict).ToArray();
        Assert.NotEmpty(answered);
        Assert.All(replies.Where(r => r.Status == HttpStatusCode.Conflict), r => Assert.Equal("1", r.RetryAfter));
        Assert.All(answered, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Single(answered.Select(r => r.Body).Distinct());
        Assert.Single(answered, r => r.Replayed is null);
        Assert.Equal(3000L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys"));
    }

    [Fact]
    public async Task SixteenParallelAssignsWithOneKeyOnTwoInstancesMakeOneBundle()
    {
        using var second = Api.WithWebHostBuilder(_ => { });
        var clients = new[] { Client, second.CreateClient() };
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1).Build());
        await Orders(Enumerable.Range(1, 40).Select(i => Fake.Order(i).InRegion(1).Weighing(1.5m).Build()).ToArray());

        var replies = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => KeyedAsync("/orders/assign", """{"courier_id": 1}""", "one", clients[i % 2])));

        var answered = replies.Where(r => r.Status != HttpStatusCode.Conflict).ToArray();
        Assert.All(answered, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Single(answered.Select(r => r.Body).Distinct());
        Assert.True(answered.Count(r => r.Replayed is null) <= 1);
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
    }

    private void AssertReplayOf(KeyedReply first, KeyedReply again)
    {
        Assert.Null(first.Replayed);
        Assert.Equal("true", again.Replayed);
        Assert.Equal(first.Status, again.Status);
        Assert.Equal(first.RawBody, again.RawBody);
        Assert.Equal(first.ContentType, again.ContentType);
        Assert.Equal(first.Location, again.Location);
    }

    private async Task<string[]> KeysAsync()
    {
        await using var connection = new NpgsqlConnection(Api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT idempotency_key FROM idempotency_keys ORDER BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys.ToArray();
    }

    private async Task WaitForAsync(string sql)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (await Api.ScalarAsync<long>(sql) == 0)
        {
            Assert.True(DateTime.UtcNow < until, $"still waiting for: {sql}");
            await Task.Delay(50);
        }
    }

    private async Task<KeyedReply> KeyedAsync(string path, string body, string? key, HttpClient? client = null, bool apiKey = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.ContentType = new("application/json");
        if (apiKey)
        {
            request.Headers.Add("X-Api-Key", IdempotencyFactory.ApiKey);
        }

        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        using var response = await (client ?? Client).SendAsync(request);
        var raw = await response.Content.ReadAsByteArrayAsync();
        return new KeyedReply(
            response.StatusCode, raw, response.Content.Headers.ContentType?.ToString(), response.Headers.Location?.ToString(),
            response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) ? string.Join(",", replayed) : null,
            response.Headers.RetryAfter?.ToString());
    }

    private sealed record KeyedReply(HttpStatusCode Status, byte[] RawBody, string? ContentType, string? Location, string? Replayed, string? RetryAfter)
    {
        public string Body => Encoding.UTF8.GetString(RawBody);

        public System.Text.Json.Nodes.JsonNode? Json => System.Text.Json.Nodes.JsonNode.Parse(Body);

        public System.Text.Json.Nodes.JsonNode Expect(HttpStatusCode status)
        {
            Assert.True(status == Status, $"expected {(int)status}, got {(int)Status}: {Body}");
            return Json!;
        }
    }
}
