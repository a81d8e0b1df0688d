using System.Net;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>Imports COPY batches of 1,000 rows (a 5,000-order body is about three of the loader's 128 KiB chunks, or more smaller ones).</summary>
public sealed class SmallBatchesFactory : ApiFactory
{
    public const int BatchRows = 1000;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [.. base.Settings, new("Limits:ImportBatchRows", BatchRows.ToString(System.Globalization.CultureInfo.InvariantCulture))];
}

/// <summary>
/// An import copies batch by batch, each batch's orders in pool-index order (region, weight, seq), with seq given in
/// request order (docs/decisions/0016, step 4): the import order survives the sorting, across batches and concurrent
/// imports, and the whole import is still one transaction.
/// </summary>
public class ImportBatchTests(SmallBatchesFactory api) : ApiTest(api), IClassFixture<SmallBatchesFactory>
{
    [Fact]
    public async Task SeqIsTheRequestOrderAcrossBatchesWhileEachBatchIsStoredInPoolIndexOrder()
    {
        var orders = Fake.Orders(5000, regions: 20).Reverse().ToArray(); // ids descending: neither id nor pool order

        (await PostAsync("/orders", new { data = orders })).Expect(HttpStatusCode.Created);

        Assert.Equal(orders.Select(Id), await Api.ScalarAsync<long[]>("SELECT array_agg(order_id ORDER BY seq) FROM orders"));
        Assert.Equal(5000L, await Api.ScalarAsync<long>("SELECT count(DISTINCT seq) FROM orders"));

        // The emptied table fills its pages in insertion order: each batch went in sorted by the pool index's key.
        var copied = orders.Select((o, i) => (Order: o, Position: i)).Chunk(SmallBatchesFactory.BatchRows)
            .SelectMany(batch => batch.OrderBy(x => (int)x.Order["region"]).ThenBy(x => (decimal)x.Order["weight"]).ThenBy(x => x.Position))
            .Select(x => Id(x.Order));
        Assert.Equal(copied, await Api.ScalarAsync<long[]>("SELECT array_agg(order_id ORDER BY ctid) FROM orders"));
    }

    [Fact]
    public async Task ConcurrentImportsNeverShareASeqAndEachKeepsItsOrder()
    {
        var first = Fake.Orders(3000, regions: 10).Reverse().ToArray();
        var second = Fake.Orders(3000, regions: 10, seed: Fake.Seed + 1, firstId: 10_001).ToArray();
        // A row inserted without a seq takes a block of its own (the column's default).
        await Api.ScalarAsync<int>(
            "INSERT INTO orders (order_id, weight_cg, region, delivery_hours, delivery) VALUES (99999, 100, 1, '{09:00-18:00}', '{[540,1080)}') RETURNING 1");

        var replies = await Task.WhenAll(PostAsync("/orders", new { data = first }), PostAsync("/orders", new { data = second }));

        Assert.All(replies, r => r.Expect(HttpStatusCode.Created));
        Assert.Equal(6001L, await Api.ScalarAsync<long>("SELECT count(DISTINCT seq) FROM orders"));
        foreach (var import in new[] { first, second })
        {
            var ids = import.Select(Id).ToArray();
            Assert.Equal(ids, await Api.ScalarAsync<long[]>("SELECT array_agg(order_id ORDER BY seq) FROM orders WHERE order_id = ANY($1)", ids));
        }

        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT seq % 16777216 FROM orders WHERE order_id = 99999"));
        Assert.True(await Api.ScalarAsync<bool>("SELECT (SELECT seq FROM orders WHERE order_id = 99999) < min(seq) FROM orders WHERE order_id <> 99999"));
    }

    [Fact]
    public async Task AnInvalidOrderInTheLastBatchRollsBackTheBatchesAlreadyCopiedAndEveryBadOrderIsReported()
    {
        var orders = Fake.Orders(5000, regions: 20).ToArray();
        orders[4500]["weight"] = 0m;
        orders[4990]["weight"] = 51m;
        // Batch 2 (orders 1,000-1,999) is handed over at the end of the chunk that completes it, and a hand-over waits
        // for the batch before to be copied. Order 4,500 is more than one 128 KiB chunk after order 1,999, so batch 1
        // is in the database before anything is invalid, however the body is split (a bad order in the same chunk
        // would stop the import before batch 1's copy had necessarily begun).
        Assert.True(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(orders[2000..4500]).Length > 128 * 1024);

        var reply = await PostAsync("/orders", new { data = orders });

        var reported = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["orders"]!.AsArray();
        Assert.Equal(new[] { 4501L, 4991L }, reported.Select(e => (long)e!["id"]!));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
        // Batches had gone to the database: their seq block was taken, their rows rolled back with the rest.
        Assert.True(await Api.ScalarAsync<bool>("SELECT is_called FROM orders_seq_block"));
    }

    [Fact]
    public async Task AnExistingIdInTheLastBatchRollsBackEverythingAndIsReported()
    {
        var orders = Fake.Orders(5000, regions: 20).ToArray();
        (await PostAsync("/orders", new { data = new[] { orders[4990] } })).Expect(HttpStatusCode.Created);

        var reply = await PostAsync("/orders", new { data = orders });

        var reported = Assert.Single(reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["orders"]!.AsArray())!;
        Assert.Equal(4991L, (long)reported["id"]!);
        Assert.Equal("already exists", (string?)reported["errors"]!["order_id"]![0]);
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task ExistingIdsAreReportedBesideAnInvalidOrderBeforeAndAfterIt()
    {
        var orders = Fake.Orders(5000, regions: 20).ToArray();
        (await PostAsync("/orders", new { data = new[] { orders[10], orders[4990] } })).Expect(HttpStatusCode.Created);
        orders[4500]["weight"] = 0m;

        // Order 11 is in the first batch, whose COPY meets it; order 4,991 comes after the invalid one, when nothing is
        // copied any more. Both are looked up once the body is read.
        var reply = await PostAsync("/orders", new { data = orders });

        var reported = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["orders"]!.AsArray();
        Assert.Equal(new[] { 11L, 4501L, 4991L }, reported.Select(e => (long)e!["id"]!));
        Assert.Equal(
            ["already exists", "must be a number from 0.01 to 50 with at most two decimals", "already exists"],
            reported.Select(e => (string?)e!["errors"]!.AsObject().Single().Value![0]));
        Assert.Equal(2L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task CouriersAreCopiedInBatchesInRequestOrder()
    {
        var couriers = Enumerable.Range(1, 3000).Reverse().Select(i => Fake.Courier(i).Build()).ToArray();

        (await PostAsync("/couriers", new { data = couriers })).Expect(HttpStatusCode.Created);

        Assert.Equal(couriers.Select(c => (long)c["courier_id"]), await Api.ScalarAsync<long[]>("SELECT array_agg(courier_id ORDER BY ctid) FROM couriers"));
    }

    private static long Id(Dictionary<string, object> order) => (long)order["order_id"];
}
