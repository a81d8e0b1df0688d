using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>Contract 10.2: <c>GET /couriers/{courier_id}/assignment</c>.</summary>
public class AssignmentPreviewTests(ApiFactory api) : DeliveryTest(api)
{
    [Fact]
    public async Task ItShowsTheBundleAnAssignWouldHandOutAndCountsEveryOtherPendingOrderByItsFirstReason()
    {
        await Couriers(Fake.Courier(1).OfType("bike").InRegions(1, 2).Working("09:00-18:00").Build());
        await Orders(
            Fake.Order(1).InRegion(3).Build(),                                          // other region
            Fake.Order(2).InRegion(3).Weighing(20).DeliveredAt("20:00-21:00").Build(),  // other region (first reason)
            Fake.Order(3).InRegion(1).DeliveredAt("20:00-21:00").Build(),               // hours
            Fake.Order(4).InRegion(2).Weighing(30).DeliveredAt("06:00-07:00").Build(),  // hours (first reason)
            Fake.Order(5).InRegion(1).Weighing(16).DeliveredAt("10:00-11:00").Build(),  // heavier than 15 kg
            Fake.Order(6).InRegion(1).Weighing(5).DeliveredAt("10:00-11:00").Build(),
            Fake.Order(7).InRegion(2).Weighing(5).DeliveredAt("17:00-19:00").Build(),
            Fake.Order(8).InRegion(2).Weighing(4.5m).DeliveredAt("08:00-09:30").Build(),
            Fake.Order(9).InRegion(1).Weighing(6).DeliveredAt("10:00-11:00").Build(),   // fits, but 5 + 5 + 4.5 + 6 > 15
            Fake.Order(10).InRegion(1).Build().WithoutHours());                          // no delivery hours: hours

        var preview = (await GetAsync("/couriers/1/assignment")).Expect(HttpStatusCode.OK);

        Assert.Equal(
            """{"courier_id":1,"courier_type":"bike","capacity":15,"open_bundle":null,"would_assign":[{"order_id":6,"weight":5,"region":1},{"order_id":7,"weight":5,"region":2},{"order_id":8,"weight":4.5,"region":2}],"total_weight":14.5,"left_out":{"other_region":2,"hours_do_not_overlap":3,"heavier_than_capacity":1,"fits_but_not_chosen":1}}""",
            preview.ToJsonString());
    }

    [Fact]
    public async Task AnAssignRightAfterThePreviewHandsOutTheSameOrdersAndThePreviewThenShowsTheOpenBundle()
    {
        var couriers = Enumerable.Range(1, 12).Select(i => Fake.Courier(i).OfType(new[] { "foot", "bike", "car" }[i % 3]).InRegions(1 + (i % 4), 2 + (i % 3)).Working("08:00-14:00", "16:00-20:00").Build()).ToArray();
        await Couriers(couriers);
        await Orders(Fake.Orders(400, regions: 5).ToArray());

        for (var courier = 1; courier <= 12; courier++)
        {
            var preview = (await GetAsync($"/couriers/{courier}/assignment")).Expect(HttpStatusCode.OK);
            var (assigned, assignTime) = await AssignAsync(courier);
            var after = (await GetAsync($"/couriers/{courier}/assignment")).Expect(HttpStatusCode.OK);

            Assert.Equal(assigned, Ids(preview["would_assign"]!, "order_id"));
            Assert.Null(preview["open_bundle"]);
            if (assigned.Length > 0)
            {
                Assert.Equal(assigned, Ids(after["open_bundle"]!["orders"]!, "id"));
                Assert.Equal(assignTime, (string?)after["open_bundle"]!["assign_time"]);
                Assert.Equal(assigned, Ids(after["would_assign"]!, "order_id"));
                Assert.Equal(preview["total_weight"]!.GetValue<decimal>(), after["total_weight"]!.GetValue<decimal>());
            }

            var left = preview["left_out"]!;
            var pending = await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE bundle_id IS NULL") + assigned.Length;
            Assert.Equal(pending, assigned.Length + new[] { "other_region", "hours_do_not_overlap", "heavier_than_capacity", "fits_but_not_chosen" }.Sum(k => (long)left[k]!));
        }
    }

    [Fact]
    public async Task ItClaimsNothingAndWaitsForNoLock()
    {
        await Couriers(Fake.Courier(1).OfType("car").Build());
        await Orders(Fake.Order(1).Build(), Fake.Order(2).Build());

        // An assign of this courier holding its row and the orders' rows: the preview neither waits nor takes any.
        await using var holder = new NpgsqlConnection(Api.ConnectionString);
        await holder.OpenAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await new NpgsqlCommand("SELECT 1 FROM couriers WHERE courier_id = 1 FOR UPDATE; SELECT 1 FROM orders FOR UPDATE", holder, tx).ExecuteNonQueryAsync();
        var watch = Stopwatch.StartNew();
        var preview = (await GetAsync("/couriers/1/assignment")).Expect(HttpStatusCode.OK);
        watch.Stop();
        await tx.RollbackAsync();

        Assert.Equal([1L, 2L], Ids(preview["would_assign"]!, "order_id"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
        Assert.Equal(2L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE bundle_id IS NULL"));
    }

    [Fact]
    public async Task ACourierWithNoRegionsGetsNothingAndEveryOrderIsInAnotherRegion()
    {
        await Couriers(Fake.Courier(1).InRegions().Build());
        await Orders(Fake.Order(1).Build());

        var preview = (await GetAsync("/couriers/1/assignment")).Expect(HttpStatusCode.OK);

        Assert.Equal("""{"other_region":1,"hours_do_not_overlap":0,"heavier_than_capacity":0,"fits_but_not_chosen":0}""", preview["left_out"]!.ToJsonString());
        Assert.Equal("[]", preview["would_assign"]!.ToJsonString());
        Assert.Equal(0, preview["total_weight"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task AnUnknownCourierIs404AndABadIdIs400()
    {
        var unknown = await GetAsync("/couriers/5/assignment");
        var bad = await GetAsync("/couriers/x/assignment");

        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(["title", "status", "detail", "trace_id"], unknown.Json!.AsObject().Select(p => p.Key));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.NotNull(bad.Json!["validation_error"]!["errors"]!["courier_id"]);
    }

    [Fact]
    public async Task TheDashboardLoadsThePreviewOnAClickOfACourierRow()
    {
        var page = await Client.GetStringAsync("/dashboard");
        using var script = await Client.GetAsync("/dashboard/preview.js");
        var code = await script.Content.ReadAsStringAsync();

        Assert.Contains("src=\"/dashboard/preview.js\"", page);
        Assert.Contains("id=\"courier-preview\"", page);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/couriers/${encodeURIComponent(courierId)}/assignment", code);
        Assert.Contains("tr[data-courier-id]", code);
    }

    private static long[] Ids(JsonNode list, string field) => list.AsArray().Select(o => (long)o![field]!).ToArray();
}

internal static class OrderJson
{
    public static Dictionary<string, object> WithoutHours(this Dictionary<string, object> order)
    {
        order["delivery_hours"] = Array.Empty<string>();
        return order;
    }
}
