using System.Net;
using NodaTime;
using SweetsStore.Domain;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

public class AssignTests(ApiFactory api) : DeliveryTest(api)
{
    [Fact]
    public async Task AnUnknownCourierIsABadRequest()
    {
        var reply = await PostAsync("/orders/assign", new { courier_id = 404 });

        Assert.Equal("""{"validation_error":{"errors":{"courier_id":["no courier has this id"]}}}""", CourierImportTests.Compact(reply.Expect(HttpStatusCode.BadRequest)));
    }

    [Theory]
    [InlineData("{}", "courier_id")]
    [InlineData("""{"courier_id": "1"}""", "courier_id")]
    [InlineData("""{"courier_id": 1.0}""", "courier_id")]
    [InlineData("""{"courier_id": null}""", "courier_id")]
    [InlineData("""{"courier_id": 1, "order_id": 2}""", "order_id")]
    [InlineData("[1]", "body")]
    [InlineData("nope", "body")]
    public async Task AnInvalidBodyIsABadRequest(string body, string field)
    {
        await Couriers(Fake.Courier(1).Build());

        var reply = await PostRawAsync("/orders/assign", body);

        Assert.NotNull(reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["errors"]![field]);
    }

    [Fact]
    public async Task WhenNothingFitsAnswersNoOrdersNoTimeAndCreatesNoBundle()
    {
        await Couriers(Fake.Courier(1).OfType("foot").InRegions(1).Working("09:00-12:00").Build());
        await Orders(
            Fake.Order(1).InRegion(2).Build(), // other region
            Fake.Order(2).DeliveredAt("12:00-13:00").Build(), // touches the working hours only at 12:00
            Fake.Order(3).Weighing(10.01m).Build()); // heavier than a foot courier carries

        var reply = await PostAsync("/orders/assign", new { courier_id = 1 });

        Assert.Equal("""{"orders":[]}""", reply.Expect(HttpStatusCode.OK).ToJsonString());
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
    }

    [Fact]
    public async Task TakesOnlyOrdersOfItsRegionsHoursAndCapacity()
    {
        await Couriers(Fake.Courier(1).OfType("bike").InRegions(1, 3).Working("09:00-12:00", "22:00-01:00").Build());
        await Orders(
            Fake.Order(1).InRegion(1).DeliveredAt("11:59-13:00").Weighing(5).Build(), // one shared minute
            Fake.Order(2).InRegion(3).DeliveredAt("00:30-02:00").Weighing(5).Build(), // after midnight
            Fake.Order(3).InRegion(2).Build(),
            Fake.Order(4).InRegion(1).DeliveredAt("01:00-09:00").Build(),
            Fake.Order(5).InRegion(3).Weighing(15.01m).Build(),
            Fake.Order(6).InRegion(3).DeliveredAt("21:00-22:00").Build());

        var (ids, assignTime) = await AssignAsync(1);

        Assert.Equal([1L, 2L], ids);
        Assert.Equal("2026-01-10T09:00:00Z", assignTime);
    }

    [Fact]
    public async Task TakesTheMostOrdersThenTheHeaviestThenTheOldest()
    {
        await Couriers(Fake.Courier(1).OfType("foot").Build());
        await Orders(
            Fake.Order(10).Weighing(9.99m).Build(),
            Fake.Order(11).Weighing(4).Build(),
            Fake.Order(12).Weighing(6).Build(),
            Fake.Order(13).Weighing(5).Build(),
            Fake.Order(14).Weighing(5).Build(),
            Fake.Order(15).Weighing(5).Build());

        var (ids, _) = await AssignAsync(1);

        // Two orders at most; 10 kg exactly by {4, 6} or {5, 5}: order 11 is the oldest, so {11, 12}.
        Assert.Equal([11L, 12L], ids);
    }

    [Fact]
    public async Task AnOpenBundleIsAnsweredAgainUnchanged()
    {
        await Couriers(Fake.Courier(1).Build());
        await Orders(Fake.Order(1).Build(), Fake.Order(2).Build());
        Api.Clock.Reset(Instant.FromUtc(2026, 1, 10, 9, 32, 14).PlusTicks(4_200_007)); // below a microsecond is dropped
        var first = await PostAsync("/orders/assign", new { courier_id = 1 });
        Api.Clock.Advance(Duration.FromMinutes(5));
        await Orders(Fake.Order(3).Build());

        var second = await PostAsync("/orders/assign", new { courier_id = 1 });

        Assert.Equal("""{"orders":[{"id":1},{"id":2}],"assign_time":"2026-01-10T09:32:14.42Z"}""", first.Expect(HttpStatusCode.OK).ToJsonString());
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
    }

    [Fact]
    public async Task AnsweringAgainListsOnlyTheStillOpenOrders()
    {
        await Couriers(Fake.Courier(1).Build());
        await Orders(Fake.Order(1).Build(), Fake.Order(2).Build(), Fake.Order(3).Build());
        var (_, assignTime) = await AssignAsync(1);
        (await CompleteAsync(1, 2, At(10))).Expect(HttpStatusCode.OK);

        var (ids, again) = await AssignAsync(1);

        Assert.Equal([1L, 3L], ids);
        Assert.Equal(assignTime, again);
    }

    [Fact]
    public async Task AFinishedBundleMakesWayForANewOne()
    {
        await Couriers(Fake.Courier(1).OfType("foot").Build());
        await Orders(Fake.Order(1).Weighing(6).Build(), Fake.Order(2).Weighing(6).Build());
        var (first, _) = await AssignAsync(1);
        (await CompleteAsync(1, first[0], At(10))).Expect(HttpStatusCode.OK);
        Api.Clock.Advance(Duration.FromMinutes(20));

        var (second, assignTime) = await AssignAsync(1);

        Assert.Single(second);
        Assert.NotEqual(first[0], second[0]);
        Assert.Equal("2026-01-10T09:20:00Z", assignTime);
    }

    [Fact]
    public async Task ChoosesExactlyOverAPoolOfHundredsOfOrders()
    {
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1, 2, 3).Working("00:00-12:00", "12:00-00:00").Build());
        var orders = Fake.Orders(600, regions: 3).ToArray();
        await Orders(orders);

        var (ids, _) = await AssignAsync(1);

        var candidates = orders.Select(o => new SweetsStore.Domain.Candidate(
            (long)o["order_id"], SweetsStore.Domain.Weight.FromHundredthsOfKg((int)((decimal)o["weight"] * 100)), (long)o["order_id"]));
        // The courier works all day, so the pool is every order.
        var expected = SweetsStore.Domain.AssignmentEngine.Choose(candidates.ToList(), SweetsStore.Domain.CourierType.Car.Capacity());
        Assert.Equal(expected.Orders.Select(o => o.OrderId).Order(), ids);
    }

    [Fact]
    public async Task ReadsDeeperWhenTheBestBundleNeedsMoreOrdersThanTheFirstReadGives()
    {
        // 600 light orders that fill a car exactly (400 × 0.10 kg + 200 × 0.05 kg = 50 kg), more per region than any
        // first read takes, and heavier ones behind them: only reading on until the cut-off is inside the read finds
        // the best bundle (all 600 light ones).
        await Couriers(Fake.Courier(1).OfType("car").InRegions(1, 2).Working("00:00-12:00", "12:00-00:00").Build());
        var orders = Enumerable.Range(1, 400).Select(i => Fake.Order(i).Weighing(0.10m).InRegion(1).Build())
            .Concat(Enumerable.Range(401, 200).Select(i => Fake.Order(i).Weighing(0.05m).InRegion(2).Build()))
            .Concat(Enumerable.Range(601, 50).Select(i => Fake.Order(i).Weighing(0.11m + (i % 7)).InRegion(1 + (i % 2)).Build()))
            .ToArray();
        await Orders(orders);

        var (ids, _) = await AssignAsync(1);

        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), ids);
    }

    [Theory]
    [InlineData("foot", 1)]
    [InlineData("bike", 2)]
    [InlineData("car", 3)]
    [InlineData("car", 4)]
    public async Task ReadsOnFromWhereEachRegionWasCutAndChoosesAsOverTheWholePool(string type, int seed)
    {
        // Few distinct weights, so a region's first read stops inside a run of equal weights, and regions of unequal
        // sizes, so some are read whole at once and others must be read on (from the weight they were cut at, those
        // rows again): the answer must be the engine's over the whole pool.
        var random = new Random(seed);
        decimal[] weights = [0.05m, 0.05m, 0.1m, 0.1m, 0.1m, 0.15m, 0.2m, 0.5m, 1.5m, 7m];
        int[] regions = [1, 1, 1, 2, 2, 3, 4];
        var orders = Enumerable.Range(1, 500)
            .Select(i => Fake.Order(i).Weighing(weights[random.Next(weights.Length)]).InRegion(regions[random.Next(regions.Length)]).Build())
            .ToArray();
        await Couriers(Fake.Courier(1).OfType(type).InRegions(1, 2, 3, 4).Working("00:00-12:00", "12:00-00:00").Build());
        await Orders(orders);

        var (ids, _) = await AssignAsync(1);

        var capacity = (type switch { "foot" => CourierType.Foot, "bike" => CourierType.Bike, _ => CourierType.Car }).Capacity();
        var expected = AssignmentEngine.Choose(
            orders.Select(o => new Candidate((long)o["order_id"], Weight.FromHundredthsOfKg((int)((decimal)o["weight"] * 100)), (long)o["order_id"])).ToList(),
            capacity);
        var regionOf = orders.ToDictionary(o => (long)o["order_id"], o => (int)o["region"]);
        var deepest = expected.Orders.GroupBy(o => regionOf[o.OrderId]).Max(g => g.Count());
        Assert.True(deepest > AssignmentEngine.FirstReadPerRegion(capacity), $"{deepest}"); // some region must be read on
        Assert.Equal(expected.Orders.Select(o => o.OrderId).Order(), ids);
    }

    [Fact]
    public async Task OnceTheCutoffIsKnownOneMoreStatementReadsOnToItAndNoFurther()
    {
        // A foot courier (10 kg; a first read of 26 per region). Region 1: 20 orders of 0.30 kg, read whole. Region 2:
        // 100 orders of 0.10, 0.11, … 1.09 kg, cut at 0.35. Below that the rows do not all fit: the 40 lightest do
        // (0.10–0.29 and twenty 0.30s: 9.90 kg), so a best bundle holds 40 orders and none heavier than 0.40 kg
        // (10 − the 39 lightest). The second statement reads region 2 from 0.35 to 0.40 only.
        await Couriers(Fake.Courier(1).OfType("foot").InRegions(1, 2).Build());
        await Orders(Enumerable.Range(1, 20).Select(i => Fake.Order(i).Weighing(0.30m).InRegion(1).Build())
            .Concat(Enumerable.Range(0, 100).Select(i => Fake.Order(100 + i).Weighing(0.10m + (i / 100m)).InRegion(2).Build()))
            .ToArray());
        await using var connection = new Npgsql.NpgsqlConnection(Api.ConnectionString);
        await connection.OpenAsync();
        var read = new SweetsStore.Data.PoolRead([1, 2], CourierType.Foot.Capacity(), [new NpgsqlTypes.NpgsqlRange<int>(0, true, 1440, false)], []);

        await read.ReadOnAsync(connection, CancellationToken.None);

        Assert.Equal(2, read.Statements);
        Assert.Equal(41, read.Horizon);
        Assert.Equal(20 + 31, read.Candidates.Count); // region 2's 0.10–0.40 kg
        Assert.Equal(40, AssignmentEngine.Choose(read.Candidates, CourierType.Foot.Capacity()).Orders.Count);
    }
}
