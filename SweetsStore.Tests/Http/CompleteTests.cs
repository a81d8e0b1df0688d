using System.Net;
using NodaTime;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

public class CompleteTests(ApiFactory api) : DeliveryTest(api)
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Couriers(Fake.Courier(1).Build(), Fake.Courier(2).Build());
        await Orders(Fake.Order(1).Build(), Fake.Order(2).Build(), Fake.Order(3).InRegion(9).Build());
        await AssignAsync(1);
    }

    [Fact]
    public async Task CompletesAnAssignedOrder()
    {
        var reply = await CompleteAsync(1, 2, "2026-01-10T10:33:01.42Z");

        Assert.Equal("""{"order_id":2}""", reply.Expect(HttpStatusCode.OK).ToJsonString());
        var order = (await GetAsync("/orders/2")).Expect(HttpStatusCode.OK);
        Assert.Equal("completed", (string?)order["status"]);
        Assert.Equal(1, (int)order["courier_id"]!);
        Assert.Equal("2026-01-10T09:00:00Z", (string?)order["assign_time"]);
        Assert.Equal("2026-01-10T10:33:01.42Z", (string?)order["complete_time"]);
    }

    [Fact]
    public async Task NormalisesOffsetsToUtc()
    {
        (await CompleteAsync(1, 1, "2026-01-10T13:33:01.000420+03:00")).Expect(HttpStatusCode.OK);

        Assert.Equal("2026-01-10T10:33:01.00042Z", (string?)(await GetAsync("/orders/1")).Expect(HttpStatusCode.OK)["complete_time"]);
    }

    [Fact]
    public async Task TakesAnyRfc3339FractionAndOffsetToTheMicrosecond()
    {
        // Seven digits is what .NET's round-trip format ("o") writes; offsets reach ±23:59 in RFC 3339.
        (await CompleteAsync(1, 1, "2026-01-10T10:33:01.1234567Z")).Expect(HttpStatusCode.OK);
        (await CompleteAsync(1, 2, "2026-01-11T08:33:01.5+22:00")).Expect(HttpStatusCode.OK);

        Assert.Equal("2026-01-10T10:33:01.123456Z", (string?)(await GetAsync("/orders/1")).Expect(HttpStatusCode.OK)["complete_time"]);
        Assert.Equal("2026-01-10T10:33:01.5Z", (string?)(await GetAsync("/orders/2")).Expect(HttpStatusCode.OK)["complete_time"]);
    }

    [Fact]
    public async Task CompletingAgainChangesNothing()
    {
        (await CompleteAsync(1, 1, At(10))).Expect(HttpStatusCode.OK);

        var again = await CompleteAsync(1, 1, At(50));

        Assert.Equal("""{"order_id":1}""", again.Expect(HttpStatusCode.OK).ToJsonString());
        Assert.Equal("2026-01-10T09:10:00Z", (string?)(await GetAsync("/orders/1")).Expect(HttpStatusCode.OK)["complete_time"]);
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT deliveries FROM courier_region_stats WHERE courier_id = 1"));
    }

    [Theory]
    [InlineData(404, 1, "courier_id", "no courier has this id")]
    [InlineData(1, 404, "order_id", "no order has this id")]
    [InlineData(1, 3, "order_id", "is not assigned to a courier")]
    [InlineData(2, 1, "order_id", "is assigned to another courier")]
    public async Task RefusesWhatCannotBeCompleted(long courierId, long orderId, string field, string message)
    {
        var reply = await CompleteAsync(courierId, orderId, At(10));

        Assert.Equal(message, (string?)reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["errors"]![field]![0]);
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE complete_time IS NOT NULL"));
    }

    [Fact]
    public async Task RefusesACompleteTimeBeforeTheAssignTime()
    {
        var reply = await CompleteAsync(1, 1, "2026-01-10T08:59:59.999999Z");

        Assert.Equal(
            "is earlier than the bundle's assign_time 2026-01-10T09:00:00Z",
            (string?)reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["errors"]!["complete_time"]![0]);
        (await CompleteAsync(1, 1, "2026-01-10T09:00:00Z")).Expect(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("2026-01-10T10:33:01")]
    [InlineData("2026-01-10 10:33:01Z")]
    [InlineData("2026-01-10T10:33Z")]
    [InlineData("2026-01-10T10:33:01,5Z")]
    [InlineData("2026-01-10T10:33:01.Z")]
    [InlineData("2026-01-10T10:33:01+24:00")]
    [InlineData("10:33:01")]
    [InlineData("")]
    public async Task RefusesTimestampsThatAreNotStrictRfc3339(string completeTime)
    {
        var reply = await CompleteAsync(1, 1, completeTime);

        Assert.NotNull(reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["errors"]!["complete_time"]);
    }

    [Theory]
    [InlineData("""{"courier_id": 1, "order_id": 1}""", "complete_time")]
    [InlineData("""{"courier_id": 1, "order_id": 1, "complete_time": 1736500000}""", "complete_time")]
    [InlineData("""{"courier_id": 1, "order_id": "1", "complete_time": "2026-01-10T10:00:00Z"}""", "order_id")]
    [InlineData("""{"courier_id": 1, "order_id": 1, "complete_time": "2026-01-10T10:00:00Z", "x": 1}""", "x")]
    public async Task RefusesInvalidBodies(string body, string field)
    {
        var reply = await PostRawAsync("/orders/complete", body);

        Assert.NotNull(reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["errors"]![field]);
    }

    [Fact]
    public async Task TheLastDeliveryFinishesTheBundleAndPays()
    {
        (await CompleteAsync(1, 1, At(10))).Expect(HttpStatusCode.OK);
        Assert.Equal(0, (long)(await CourierAsync(1))["earnings"]!);

        (await CompleteAsync(1, 2, At(20))).Expect(HttpStatusCode.OK);

        var courier = await CourierAsync(1);
        Assert.Equal(1000, (long)courier["earnings"]!);
        Assert.Equal(4.17m, (decimal)courier["rating"]!);
        Assert.Equal(At(20).ToDateTimeUtc(), await Api.ScalarAsync<DateTime>("SELECT finished_at FROM bundles"));
    }
}
