using System.Net;
using SweetsStore.Tests.Infrastructure;
using static SweetsStore.Tests.Http.CourierImportTests;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Empty <c>regions</c>, <c>working_hours</c> and <c>delivery_hours</c> are valid, as in the original task (contract
/// section 1): such a courier is stored and handed nothing, such an order stays pending, and a PATCH to an empty
/// list releases the courier's open orders.
/// </summary>
public class EmptyListsTests(ApiFactory api) : DeliveryTest(api)
{
    /// <summary>The original task's POST /couriers example, byte for byte as published (courier 3 has no working hours).</summary>
    internal const string OriginalCouriers = """
        {
            "data": [
                {
                    "courier_id": 1,
                    "courier_type": "foot",
                    "regions": [1, 12, 22],
                    "working_hours": ["11:35-14:05", "09:00-11:00"]
                },
                {
                    "courier_id": 2,
                    "courier_type": "bike",
                    "regions": [22],
                    "working_hours": ["09:00-18:00"]
                },
                {
                    "courier_id": 3,
                    "courier_type": "car",
                    "regions": [12, 22, 23, 33],
                    "working_hours": []
                }
            ]
        }
        """;

    /// <summary>The original task's POST /orders example.</summary>
    internal const string OriginalOrders = """
        {
            "data": [
                {
                    "order_id": 1,
                    "weight": 0.23,
                    "region": 12,
                    "delivery_hours": ["09:00-18:00"]
                },
                {
                    "order_id": 2,
                    "weight": 15,
                    "region": 1,
                    "delivery_hours": ["09:00-18:00"]
                },
                {
                    "order_id": 3,
                    "weight": 0.01,
                    "region": 22,
                    "delivery_hours": ["09:00-12:00", "16:00-21:30"]
                }
            ]
        }
        """;

    [Fact]
    public async Task TheOriginalTasksExampleIsAcceptedAndItsCourierWithoutHoursGetsNothing()
    {
        var reply = await PostRawAsync("/couriers", OriginalCouriers);

        Assert.Equal("""{"couriers":[{"id":1},{"id":2},{"id":3}]}""", Compact(reply.Expect(HttpStatusCode.Created)));
        Assert.Equal(
            """{"courier_id":3,"courier_type":"car","regions":[12,22,23,33],"working_hours":[],"earnings":0}""",
            Compact(await CourierAsync(3)));
        (await PostRawAsync("/orders", OriginalOrders)).Expect(HttpStatusCode.Created);

        // Orders 1 (region 12) and 3 (region 22) are in courier 3's regions, and a car carries both: only the
        // missing working hours keep them from it.
        Assert.Equal("""{"orders":[]}""", Compact((await PostAsync("/orders/assign", new { courier_id = 3 })).Expect(HttpStatusCode.OK)));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
        Assert.Equal(new[] { 3L }, (await AssignAsync(2)).Ids);
    }

    [Fact]
    public async Task ACourierWithoutRegionsIsStoredAndHandedNothing()
    {
        var reply = await PostRawAsync("/couriers",
            """{"data": [{"courier_id": 1, "courier_type": "car", "regions": [], "working_hours": ["00:00-23:59"]}]}""");

        reply.Expect(HttpStatusCode.Created);
        await Orders(Fake.Order(1).InRegion(1).Build(), Fake.Order(2).InRegion(2).Build());
        Assert.Equal("""{"courier_id":1,"courier_type":"car","regions":[],"working_hours":["00:00-23:59"],"earnings":0}""", Compact(await CourierAsync(1)));
        Assert.Equal("""{"orders":[]}""", Compact((await PostAsync("/orders/assign", new { courier_id = 1 })).Expect(HttpStatusCode.OK)));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
    }

    [Fact]
    public async Task ACourierWithoutWorkingHoursIsStoredAndHandedNothing()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1).Working().Build());
        await Orders(Fake.Order(1).DeliveredAt("00:00-23:59").Build(), Fake.Order(2).DeliveredAt("23:00-01:00").Build());

        Assert.Equal("""{"orders":[]}""", Compact((await PostAsync("/orders/assign", new { courier_id = 1 })).Expect(HttpStatusCode.OK)));
        Assert.Equal("[]", (await CourierAsync(1))["working_hours"]!.ToJsonString());
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
    }

    [Fact]
    public async Task AnOrderWithoutDeliveryHoursIsStoredStaysPendingAndIsNeverAssigned()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1).Working("00:00-23:59", "23:59-00:00").Build());
        var reply = await PostRawAsync("/orders",
            """{"data": [{"order_id": 1, "weight": 0.01, "region": 1, "delivery_hours": []}, {"order_id": 2, "weight": 50, "region": 1, "delivery_hours": ["10:00-11:00"]}]}""");

        Assert.Equal("""{"orders":[{"id":1},{"id":2}]}""", Compact(reply.Expect(HttpStatusCode.Created)));
        Assert.Equal("""{"order_id":1,"weight":0.01,"region":1,"delivery_hours":[],"status":"pending"}""", Compact((await GetAsync("/orders/1")).Expect(HttpStatusCode.OK)));

        // The lightest order, and the courier works all day: it would be the first choice if it had hours.
        Assert.Equal(new[] { 2L }, (await AssignAsync(1)).Ids);
        (await CompleteAsync(1, 2, At(5))).Expect(HttpStatusCode.OK);
        Assert.Empty((await AssignAsync(1)).Ids);
        Assert.Equal("pending", (string?)(await GetAsync("/orders/1")).Expect(HttpStatusCode.OK)["status"]);
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE order_id = 1 AND isempty(delivery) AND bundle_id IS NULL"));
    }

    [Theory]
    [InlineData("""{"regions": []}""", """{"courier_id":1,"courier_type":"bike","regions":[],"working_hours":["09:00-18:00"]}""")]
    [InlineData("""{"working_hours": []}""", """{"courier_id":1,"courier_type":"bike","regions":[1,2],"working_hours":[]}""")]
    [InlineData("""{"regions": [], "working_hours": []}""", """{"courier_id":1,"courier_type":"bike","regions":[],"working_hours":[]}""")]
    public async Task APatchMayEmptyTheLists(string patch, string expected)
    {
        await Couriers(Fake.Courier(1).OfType("bike").InRegions(1, 2).Working("09:00-18:00").Build());

        var reply = await PatchRawAsync("/couriers/1", patch);

        Assert.Equal(expected, Compact(reply.Expect(HttpStatusCode.OK)));
        var stored = await CourierAsync(1);
        Assert.Equal(expected.TrimEnd('}') + ",\"earnings\":0}", Compact(stored));
    }

    [Fact]
    public async Task APatchToNoWorkingHoursReleasesEveryOpenOrderAndFinishesThePaidBundle()
    {
        await Couriers(Fake.Courier(1).OfType("bike").InRegions(1).Working("09:00-18:00").Build(), Fake.Courier(2).InRegions(1).Build());
        await Orders(Fake.Order(1).Build(), Fake.Order(2).Build(), Fake.Order(3).Build());
        var (ids, _) = await AssignAsync(1);
        Assert.Equal([1L, 2L, 3L], ids);
        (await CompleteAsync(1, 1, At(10))).Expect(HttpStatusCode.OK);
        Api.Clock.Reset(At(20));

        (await PatchRawAsync("/couriers/1", """{"working_hours": []}""")).Expect(HttpStatusCode.OK);

        Assert.Equal(2L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE order_id IN (2, 3) AND bundle_id IS NULL"));
        Assert.Equal("completed", (string?)(await GetAsync("/orders/1")).Expect(HttpStatusCode.OK)["status"]);
        var courier = await CourierAsync(1);
        Assert.Equal(2500, (long)courier["earnings"]!); // one bike bundle, finished with a delivery: 500 × 5
        Assert.Equal(4.17m, (decimal)courier["rating"]!);
        Assert.Equal(At(20).ToDateTimeUtc(), await Api.ScalarAsync<DateTime>("SELECT finished_at FROM bundles"));
        Assert.Empty((await AssignAsync(1)).Ids);
        Assert.Equal(new[] { 2L, 3L }, (await AssignAsync(2)).Ids); // back in the pool
    }

    [Fact]
    public async Task APatchToNoRegionsReleasesEveryOpenOrderAndFinishesTheBundleUnpaid()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1, 2).Build());
        await Orders(Fake.Order(1).InRegion(1).Build(), Fake.Order(2).InRegion(2).Build());
        Assert.Equal(new[] { 1L, 2L }, (await AssignAsync(1)).Ids);

        (await PatchRawAsync("/couriers/1", """{"regions": []}""")).Expect(HttpStatusCode.OK);

        Assert.Equal(2L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE bundle_id IS NULL"));
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles WHERE finished_at IS NOT NULL AND earnings = 0"));
        var courier = await CourierAsync(1);
        Assert.Equal(0, (long)courier["earnings"]!);
        Assert.Null(courier["rating"]);
        Assert.Empty((await AssignAsync(1)).Ids);
    }

    [Fact]
    public async Task AssignMatchesABruteForceWhenListsMayBeEmpty()
    {
        // Random small worlds through the real pool query (int4multirange &&, unnest of the regions): each round
        // has its own regions, so rounds do not meet; couriers are served in turn and each answer is checked
        // against a brute force over the round's still-pending orders.
        var random = new Random(Fake.Seed);
        var empties = 0;
        var bundles = 0;
        for (var round = 0; round < 25; round++)
        {
            var firstRegion = (round * 3) + 1;
            var couriers = Enumerable.Range(0, random.Next(1, 4)).Select(i => new World.Courier(
                (round * 10) + i + 1,
                new[] { "foot", "bike", "car" }[random.Next(3)],
                Enumerable.Range(0, random.Next(0, 3)).Select(_ => firstRegion + random.Next(3)).ToArray(),
                World.Hours(random))).ToList();
            var orders = Enumerable.Range(0, random.Next(0, 10)).Select(i => new World.Order(
                (round * 100) + i + 1,
                random.Next(1, 1600),
                firstRegion + random.Next(3),
                World.Hours(random))).ToList();
            empties += couriers.Count(c => c.Regions.Length == 0 || c.Hours.Length == 0) + orders.Count(o => o.Hours.Length == 0);
            await Couriers(couriers.Select(c => c.Build()).ToArray());
            if (orders.Count > 0)
            {
                await Orders(orders.Select(o => o.Build()).ToArray());
            }

            foreach (var courier in couriers)
            {
                var expected = World.Best(courier, orders);
                var actual = (await AssignAsync(courier.Id)).Ids;
                Assert.True(expected.SequenceEqual(actual), $"round {round}, courier {courier.Id}: expected [{string.Join(',', expected)}] got [{string.Join(',', actual)}]");
                orders.RemoveAll(o => actual.Contains(o.Id));
                bundles += actual.Length > 0 ? 1 : 0;
            }
        }

        Assert.True(empties > 15, $"only {empties} empty lists");
        Assert.True(bundles > 10, $"only {bundles} assigns handed out orders");
    }

    /// <summary>The contract's rules spelled out plainly, minute by minute, for the brute force.</summary>
    private static class World
    {
        public static string[] Hours(Random random) =>
            Enumerable.Range(0, random.Next(0, 3)).Select(_ =>
            {
                var start = random.Next(24);
                var end = (start + random.Next(1, 23)) % 24;
                return $"{start:D2}:00-{end:D2}:{(random.Next(2) == 0 ? "00" : "30")}";
            }).ToArray();

        public static long[] Best(Courier courier, List<Order> pending)
        {
            var capacity = courier.Type switch { "foot" => 1000, "bike" => 1500, _ => 5000 };
            var working = Minutes(courier.Hours);
            var eligible = pending.Where(o => courier.Regions.Contains(o.Region) && Minutes(o.Hours).Overlaps(working) && o.HundredthsOfKg <= capacity).ToArray();
            long[] best = [];
            var bestWeight = -1;
            for (var mask = 0; mask < 1 << eligible.Length; mask++)
            {
                var chosen = eligible.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
                var weight = chosen.Sum(o => o.HundredthsOfKg);
                if (weight > capacity)
                {
                    continue;
                }

                // More orders; then heavier; then older (ids follow import order here, so lower ids are older).
                var ids = chosen.Select(o => o.Id).Order().ToArray();
                var better = ids.Length > best.Length
                    || (ids.Length == best.Length && weight > bestWeight)
                    || (ids.Length == best.Length && weight == bestWeight && ids.Zip(best).FirstOrDefault(p => p.First != p.Second) is var (a, b) && a < b);
                if (better)
                {
                    best = ids;
                    bestWeight = weight;
                }
            }

            return best;
        }

        private static HashSet<int> Minutes(string[] hours)
        {
            var set = new HashSet<int>();
            foreach (var window in hours)
            {
                var start = (int.Parse(window[..2]) * 60) + int.Parse(window[3..5]);
                var end = (int.Parse(window[6..8]) * 60) + int.Parse(window[9..]);
                for (var m = start; m != end; m = (m + 1) % 1440)
                {
                    set.Add(m);
                }
            }

            return set;
        }

        public sealed record Courier(long Id, string Type, int[] Regions, string[] Hours)
        {
            public Dictionary<string, object> Build() => Fake.Courier(Id).OfType(Type).InRegions(Regions).Working(Hours).Build();
        }

        public sealed record Order(long Id, int HundredthsOfKg, int Region, string[] Hours)
        {
            public Dictionary<string, object> Build() => Fake.Order(Id).Weighing(HundredthsOfKg / 100m).InRegion(Region).DeliveredAt(Hours).Build();
        }
    }
}
