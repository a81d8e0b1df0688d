using System.Net;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

public class ConcurrencyTests(ApiFactory api) : DeliveryTest(api)
{
    [Fact]
    public async Task ManyParallelAssignsForOneCourierMakeOneBundle()
    {
        await Couriers(Fake.Courier(1).OfType("car").Build());
        await Orders(Enumerable.Range(1, 50).Select(i => Fake.Order(i).Weighing(1.5m).Build()).ToArray());

        var replies = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => PostAsync("/orders/assign", new { courier_id = 1 })));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Single(replies.Select(r => r.Body).Distinct());
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
        Assert.Equal(33L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE bundle_id IS NOT NULL"));
    }

    [Fact]
    public async Task ParallelAssignsOverASharedPoolOnTwoInstancesNeverShareAnOrder()
    {
        // Two hosts with their own connection pools stand for two API processes on one database.
        using var second = Api.WithWebHostBuilder(_ => { });
        var clients = new[] { Client, second.CreateClient() };
        var couriers = Enumerable.Range(1, 60).Select(i => Fake.Courier(i).OfType(new[] { "foot", "bike", "car" }[i % 3]).InRegions(1, 2, 3).Build()).ToArray();
        await Couriers(couriers);
        await Orders(Fake.Orders(1500, regions: 3).Select(o => { o["delivery_hours"] = new[] { "00:00-12:00", "12:00-00:00" }; return o; }).ToArray());

        var replies = await Task.WhenAll(Enumerable.Range(1, 60).Select(async i =>
        {
            using var response = await clients[i % 2].PostAsync("/orders/assign", Json(new { courier_id = i }));
            return (Courier: i, Reply: await Reply.ReadAsync(response));
        }));

        var handedOut = replies.SelectMany(r => r.Reply.Expect(HttpStatusCode.OK)["orders"]!.AsArray().Select(o => (long)o!["id"]!)).ToList();
        Assert.Equal(handedOut.Count, handedOut.Distinct().Count());
        Assert.Equal(60L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
        Assert.Equal(handedOut.Count, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE bundle_id IS NOT NULL"));
        Assert.Equal(0L, await Api.ScalarAsync<long>(
            """
            SELECT count(*) FROM (
              SELECT b.bundle_id FROM bundles b JOIN orders o ON o.bundle_id = b.bundle_id
              GROUP BY b.bundle_id, b.courier_type
              HAVING sum(o.weight_cg) > CASE b.courier_type WHEN 'foot' THEN 1000 WHEN 'bike' THEN 1500 ELSE 5000 END
            ) over_capacity
            """));
    }

    [Fact]
    public async Task ParallelCompletesAndPatchesKeepTheBooksStraight()
    {
        await Couriers(Enumerable.Range(1, 10).Select(i => Fake.Courier(i).OfType("car").InRegions(1).Build()).ToArray());
        await Orders(Enumerable.Range(1, 200).Select(i => Fake.Order(i).Weighing(2).InRegion(1).Build()).ToArray());
        var bundles = new Dictionary<long, long[]>();
        for (var c = 1; c <= 10; c++)
        {
            bundles[c] = (await AssignAsync(c)).Ids;
        }

        var work = bundles.SelectMany(b => b.Value.Select((order, k) => (Func<Task<Reply>>)(() => CompleteAsync(b.Key, order, At(k + 1)))))
            .Concat(Enumerable.Range(1, 10).Select(c => (Func<Task<Reply>>)(() => PatchAsync($"/couriers/{c}", new { courier_type = "bike" }))))
            .OrderBy(_ => Random.Shared.Next())
            .ToArray();
        var replies = await Task.WhenAll(work.Select(w => w()));

        Assert.All(replies, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.BadRequest, r.ToString()));
        Assert.Equal(0L, await Api.ScalarAsync<long>(
            "SELECT count(*) FROM couriers c WHERE c.earnings <> (SELECT coalesce(sum(earnings), 0) FROM bundles b WHERE b.courier_id = c.courier_id)"));
        Assert.Equal(0L, await Api.ScalarAsync<long>(
            """
            SELECT count(*) FROM courier_region_stats s
            WHERE (s.total_micros, s.deliveries) <> (
              SELECT coalesce(sum(o.delivery_micros), 0)::bigint, count(*) FROM orders o JOIN bundles b ON b.bundle_id = o.bundle_id
              WHERE b.courier_id = s.courier_id AND o.region = s.region AND o.complete_time IS NOT NULL)
            """));
        Assert.Equal(0L, await Api.ScalarAsync<long>(
            """
            SELECT count(*) FROM bundles b
            WHERE (b.finished_at IS NULL) = NOT EXISTS (SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NULL)
            """));
    }

    private static StringContent Json(object body) => new(Serialize(body), System.Text.Encoding.UTF8, "application/json");
}
