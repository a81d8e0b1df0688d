using System.Net;
using SweetsStore.Tests.Infrastructure;
using static SweetsStore.Tests.Http.CourierImportTests;

namespace SweetsStore.Tests.Http;

public class PatchCourierTests(ApiFactory api) : DeliveryTest(api)
{
    [Fact]
    public async Task AnswersTheWholeCourier()
    {
        await Couriers(Fake.Courier(1).OfType("foot").InRegions(1, 2).Working("09:00-18:00").Build());

        var reply = await PatchAsync("/couriers/1", new { regions = new[] { 5, 6 } });

        Assert.Equal("""{"courier_id":1,"courier_type":"foot","regions":[5,6],"working_hours":["09:00-18:00"]}""", Compact(reply.Expect(HttpStatusCode.OK)));
        Assert.Equal(new[] { 5, 6 }, (await CourierAsync(1))["regions"]!.AsArray().Select(r => (int)r!));
    }

    [Fact]
    public async Task AnEmptyObjectChangesNothing()
    {
        await Couriers(Fake.Courier(1).OfType("bike").InRegions(3).Working("10:00-11:00").Build());

        var reply = await PatchRawAsync("/couriers/1", "{}");

        Assert.Equal("""{"courier_id":1,"courier_type":"bike","regions":[3],"working_hours":["10:00-11:00"]}""", Compact(reply.Expect(HttpStatusCode.OK)));
    }

    [Theory]
    [InlineData("""{"courier_id": 2}""", "courier_id", "unknown field")]
    [InlineData("""{"regions": null}""", "regions", "must not be null")]
    [InlineData("""{"regions": [0]}""", "regions[0]", "must be an integer from 1 to 2147483647")]
    [InlineData("""{"regions": [2147483648]}""", "regions[0]", "must be an integer from 1 to 2147483647")]
    [InlineData("""{"courier_type": "Car"}""", "courier_type", "must be one of \"foot\", \"bike\", \"car\"")]
    [InlineData("""{"working_hours": "09:00-18:00"}""", "working_hours", "must be an array of \"HH:MM-HH:MM\" strings")]
    [InlineData("""{"regions": {}}""", "regions", "must be an array of integers from 1 to 2147483647")]
    [InlineData("""[]""", "body", "must be a JSON object")]
    [InlineData("", "body", "must be a JSON object")]
    [InlineData("""{""", "body", "is not valid JSON: the body ends early, expected a property name in double quotes or '}' (line 1, byte 1)")]
    public async Task RefusesInvalidChangesAndChangesNothing(string body, string field, string message)
    {
        await Couriers(Fake.Courier(1).InRegions(1).Build());

        var reply = await PatchRawAsync("/couriers/1", body);

        Assert.Equal(message, (string?)reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["errors"]![field]![0]);
        Assert.Equal(new[] { 1 }, (await CourierAsync(1))["regions"]!.AsArray().Select(r => (int)r!));
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task ABodyIsReadAsJsonWhateverItsContentType(string contentType)
    {
        // Found by the hostile-input tests: MVC used to parse form-typed bodies as forms first (a 500).
        await Couriers(Fake.Courier(1).InRegions(1).Build());

        var reply = await SendAsync(HttpMethod.Patch, "/couriers/1", """{"regions": [4]}""", contentType);

        Assert.Equal(new[] { 4 }, reply.Expect(HttpStatusCode.OK)["regions"]!.AsArray().Select(r => (int)r!));
    }

    [Fact]
    public async Task AnUnknownCourierIsNotFound()
    {
        var reply = await PatchAsync("/couriers/9", new { regions = new[] { 1 } });

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
    }

    [Fact]
    public async Task ReleasesOrdersOfRegionsNoLongerServed()
    {
        await Couriers(Fake.Courier(1).InRegions(1, 2).Build(), Fake.Courier(2).InRegions(2).Build());
        await Orders(Fake.Order(1).InRegion(1).Build(), Fake.Order(2).InRegion(2).Build());
        await AssignAsync(1);

        (await PatchAsync("/couriers/1", new { regions = new[] { 1 } })).Expect(HttpStatusCode.OK);

        var kept = (await AssignAsync(1)).Ids;
        Assert.Equal([1L], kept);
        Assert.Equal("pending", (string?)(await GetAsync("/orders/2")).Expect(HttpStatusCode.OK)["status"]);
        var taken = (await AssignAsync(2)).Ids;
        Assert.Equal([2L], taken);
    }

    [Fact]
    public async Task ReleasesOrdersWhoseHoursNoLongerMeet()
    {
        await Couriers(Fake.Courier(1).Working("09:00-18:00").Build());
        await Orders(Fake.Order(1).DeliveredAt("09:00-10:00").Build(), Fake.Order(2).DeliveredAt("17:00-18:00").Build());
        await AssignAsync(1);

        (await PatchAsync("/couriers/1", new { working_hours = new[] { "10:00-17:00" } })).Expect(HttpStatusCode.OK);

        var (ids, _) = await AssignAsync(1);
        Assert.Empty(ids); // both released: the bundle had nothing open left, so it finished
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles WHERE finished_at IS NULL"));
    }

    [Fact]
    public async Task ReleasesTheHeaviestOpenOrdersWhenTheCapacityShrinks()
    {
        await Couriers(Fake.Courier(1).OfType("car").Build());
        await Orders(Fake.Order(1).Weighing(3).Build(), Fake.Order(2).Weighing(8).Build(), Fake.Order(3).Weighing(4).Build(), Fake.Order(4).Weighing(5).Build());
        var (assigned, assignTime) = await AssignAsync(1);
        Assert.Equal([1L, 2L, 3L, 4L], assigned);

        (await PatchAsync("/couriers/1", new { courier_type = "foot" })).Expect(HttpStatusCode.OK);

        var (open, sameTime) = await AssignAsync(1);
        Assert.Equal([1L, 3L], open);
        Assert.Equal(assignTime, sameTime);
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE bundle_id IS NOT NULL AND order_id IN (2, 4)"));
    }

    [Fact]
    public async Task DeliveredOrdersStayAndCountOnlyOpenLoad()
    {
        await Couriers(Fake.Courier(1).OfType("bike").Build());
        await Orders(Fake.Order(1).Weighing(9).Build(), Fake.Order(2).Weighing(5).Build());
        await AssignAsync(1);
        (await CompleteAsync(1, 1, At(10))).Expect(HttpStatusCode.OK);

        (await PatchAsync("/couriers/1", new { courier_type = "foot" })).Expect(HttpStatusCode.OK);

        // 9 kg is delivered; the 5 kg still open fits a foot courier.
        var open = (await AssignAsync(1)).Ids;
        Assert.Equal([2L], open);
    }

    [Fact]
    public async Task ABundleLeftWithNothingOpenFinishesAndPaysIfSomethingWasDelivered()
    {
        await Couriers(Fake.Courier(1).OfType("bike").InRegions(1, 2).Build());
        await Orders(Fake.Order(1).InRegion(1).Build(), Fake.Order(2).InRegion(2).Build());
        await AssignAsync(1);
        (await CompleteAsync(1, 1, At(10))).Expect(HttpStatusCode.OK);
        Api.Clock.Reset(At(30));

        (await PatchAsync("/couriers/1", new { regions = new[] { 1 } })).Expect(HttpStatusCode.OK);

        var courier = await CourierAsync(1);
        Assert.Equal(2500, (long)courier["earnings"]!);
        Assert.Equal(4.17m, (decimal)courier["rating"]!);
        Assert.Equal(At(30).ToDateTimeUtc(), await Api.ScalarAsync<DateTime>("SELECT finished_at FROM bundles"));
    }

    [Fact]
    public async Task ABundleReleasedWithoutDeliveriesPaysNothing()
    {
        await Couriers(Fake.Courier(1).InRegions(1).Build());
        await Orders(Fake.Order(1).InRegion(1).Build());
        await AssignAsync(1);

        (await PatchAsync("/couriers/1", new { regions = new[] { 2 } })).Expect(HttpStatusCode.OK);

        var courier = await CourierAsync(1);
        Assert.Equal(0, (long)courier["earnings"]!);
        Assert.Null(courier["rating"]);
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles WHERE finished_at IS NOT NULL AND earnings = 0"));
    }
}
