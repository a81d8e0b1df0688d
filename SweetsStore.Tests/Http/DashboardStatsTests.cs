using System.Net;
using System.Text.Json.Nodes;
using NodaTime;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>The API with the regions counted again every second.</summary>
public sealed class DashboardStatsFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Dashboard:RegionsSeconds", "1")];
}

/// <summary>What the dashboard reads beyond <c>/stats</c>: live rates, regions by pending orders, stale bundles.</summary>
public class DashboardStatsTests(DashboardStatsFactory api) : ApiTest(api), IClassFixture<DashboardStatsFactory>
{
    [Fact]
    public async Task RegionsAreOrderedByPendingOrdersWithTheirWeight()
    {
        (await PostAsync("/couriers", new { data = new[] { Fake.Courier(1).OfType("car").InRegions(5).Build() } })).Expect(HttpStatusCode.Created);
        var orders = new[]
        {
            Fake.Order(1).InRegion(3).Weighing(1m).Build(), Fake.Order(2).InRegion(3).Weighing(2.5m).Build(), Fake.Order(3).InRegion(3).Weighing(4m).Build(),
            Fake.Order(4).InRegion(1).Weighing(10m).Build(), Fake.Order(5).InRegion(1).Weighing(0.01m).Build(),
            Fake.Order(6).InRegion(2).Weighing(7m).Build(),
            Fake.Order(7).InRegion(5).Weighing(20m).Build(), Fake.Order(8).InRegion(5).Weighing(20m).Build(), Fake.Order(9).InRegion(5).Weighing(30m).Build(),
        };
        (await PostAsync("/orders", new { data = orders })).Expect(HttpStatusCode.Created);
        // The car takes two of region 5's orders (50 kg at most: 20 + 30): one stays pending there.
        Assert.Equal(2, (await PostAsync("/orders/assign", new { courier_id = 1 })).Expect(HttpStatusCode.OK)["orders"]!.AsArray().Count);

        var regions = await GetUntilAsync("/stats/regions", r => (long)r["regions_with_pending"]! == 4);

        Assert.Equal(
            """[{"region":3,"pending":3,"weight":7.5},{"region":1,"pending":2,"weight":10.01},{"region":2,"pending":1,"weight":7},{"region":5,"pending":1,"weight":20}]""",
            regions["regions"]!.ToJsonString());
    }

    [Fact]
    public async Task ABundleOpenLongerThanTheStaleAgeIsListedWithItsCourier()
    {
        var couriers = new[]
        {
            Fake.Courier(1).OfType("bike").InRegions(1).Build(), Fake.Courier(2).OfType("foot").InRegions(2).Build(),
            Fake.Courier(3).OfType("car").InRegions(3).Build(),
        };
        (await PostAsync("/couriers", new { data = couriers })).Expect(HttpStatusCode.Created);
        var orders = new[]
        {
            Fake.Order(1).InRegion(1).Build(), Fake.Order(2).InRegion(1).Build(), Fake.Order(3).InRegion(2).Build(), Fake.Order(4).InRegion(3).Build(),
        };
        (await PostAsync("/orders", new { data = orders })).Expect(HttpStatusCode.Created);

        (await PostAsync("/orders/assign", new { courier_id = 1 })).Expect(HttpStatusCode.OK); // orders 1 and 2, at the start
        (await PostAsync("/orders/assign", new { courier_id = 3 })).Expect(HttpStatusCode.OK); // order 4, delivered below: finished
        var delivered = NodaTime.Text.InstantPattern.ExtendedIso.Format(ApiFactory.Start + Duration.FromMinutes(10));
        (await PostAsync("/orders/complete", new { courier_id = 1, order_id = 1, complete_time = delivered })).Expect(HttpStatusCode.OK);
        (await PostAsync("/orders/complete", new { courier_id = 3, order_id = 4, complete_time = delivered })).Expect(HttpStatusCode.OK);
        Api.Clock.Advance(Duration.FromMinutes(30));
        (await PostAsync("/orders/assign", new { courier_id = 2 })).Expect(HttpStatusCode.OK); // order 3, 30 minutes later

        var early = (await GetAsync("/stats/stale-bundles")).Expect(HttpStatusCode.OK);
        Api.Clock.Advance(Duration.FromMinutes(31)); // courier 1's bundle is 61 minutes old now, courier 2's 31
        var late = (await GetAsync("/stats/stale-bundles")).Expect(HttpStatusCode.OK);

        Assert.Equal("""{"older_than_minutes":60,"total":0,"bundles":[]}""", early.ToJsonString());
        Assert.Equal(60, (double)late["older_than_minutes"]!);
        Assert.Equal(1, (long)late["total"]!);
        var bundle = Assert.Single(late["bundles"]!.AsArray())!;
        Assert.Equal(1, (long)bundle["courier_id"]!);
        Assert.Equal("bike", (string?)bundle["courier_type"]);
        Assert.Equal("2026-01-10T09:00:00Z", (string?)bundle["assign_time"]);
        Assert.Equal(61.0, (double)bundle["open_minutes"]!);
        Assert.Equal(2, (int)bundle["orders"]!);
        Assert.Equal(1, (int)bundle["open_orders"]!);
        Assert.True((long)bundle["bundle_id"]! > 0);
    }

    [Fact]
    public async Task TheLiveRatesCountThisProcesssAssignsAndCompletes()
    {
        // What earlier tests did is in the step under way now: "before" is read once that step is over.
        var first = (await GetAsync("/stats/live")).Expect(HttpStatusCode.OK);
        var before = await GetUntilAsync("/stats/live", l => (string?)l["end"] != (string?)first["end"]);
        Assert.True((bool)before["metrics"]!);
        Assert.Equal(5, (int)before["step_seconds"]!);
        Assert.Equal(900, (int)before["window_seconds"]!);
        Assert.Equal(180, before["assigns_per_second"]!.AsArray().Count);
        (await PostAsync("/couriers", new { data = Enumerable.Range(1, 4).Select(i => Fake.Courier(i).OfType("car").Build()).ToArray() }))
            .Expect(HttpStatusCode.Created);
        (await PostAsync("/orders", new { data = Enumerable.Range(1, 3).Select(i => Fake.Order(i).Weighing(20m).Build()).ToArray() }))
            .Expect(HttpStatusCode.Created);

        for (var courier = 1; courier <= 4; courier++)
        {
            (await PostAsync("/orders/assign", new { courier_id = courier })).Expect(HttpStatusCode.OK); // 2 bundles, then 2 empty answers
        }

        var at = NodaTime.Text.InstantPattern.ExtendedIso.Format(ApiFactory.Start + Duration.FromMinutes(5));
        var bundle = (await PostAsync("/orders/assign", new { courier_id = 1 })).Expect(HttpStatusCode.OK)["orders"]!.AsArray();
        foreach (var order in bundle)
        {
            (await PostAsync("/orders/complete", new { courier_id = 1, order_id = (long)order!["id"]!, complete_time = at })).Expect(HttpStatusCode.OK);
        }

        // The steps are read once they are over: at most 5 s after the last assign.
        var assigns = Total(before, "assigns_per_second");
        var completes = Total(before, "completes_per_second");
        var live = await GetUntilAsync("/stats/live", l => Total(l, "assigns_per_second") - assigns >= 5 && Total(l, "completes_per_second") - completes >= bundle.Count);

        Assert.Equal(5, Total(live, "assigns_per_second") - assigns, 6);
        Assert.Equal(bundle.Count, Total(live, "completes_per_second") - completes, 6);
        var p50 = live["assign_p50_ms"]!.AsArray().Where(v => v is not null).Select(v => (double)v!).ToArray();
        var p99 = live["assign_p99_ms"]!.AsArray().Where(v => v is not null).Select(v => (double)v!).ToArray();
        Assert.NotEmpty(p50);
        Assert.All(p50, v => Assert.InRange(v, 0.01, 30_000));
        Assert.All(p50.Zip(p99), p => Assert.True(p.First <= p.Second));
    }

    // Rates per second over 5-second steps: the number of events.
    private static double Total(JsonNode live, string series) => live[series]!.AsArray().Sum(v => (double)v! * 5);

    private async Task<JsonNode> GetUntilAsync(string path, Func<JsonNode, bool> done)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var json = (await GetAsync(path)).Expect(HttpStatusCode.OK);
            if (done(json))
            {
                return json;
            }

            Assert.True(DateTime.UtcNow < until, $"{path} never showed what was expected: {json.ToJsonString()[..Math.Min(2000, json.ToJsonString().Length)]}");
            await Task.Delay(200);
        }
    }
}
