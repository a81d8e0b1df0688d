using System.Net;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

public class ReadEndpointsTests(ApiFactory api) : DeliveryTest(api)
{
    [Fact]
    public async Task AnOrderShowsItsStatusThroughItsLife()
    {
        await Couriers(Fake.Courier(7).Build());
        await Orders(Fake.Order(1).Weighing(2.25m).InRegion(1).DeliveredAt("22:00-02:00").Build());
        Assert.Equal(
            """{"order_id":1,"weight":2.25,"region":1,"delivery_hours":["22:00-02:00"],"status":"pending"}""",
            (await GetAsync("/orders/1")).Expect(HttpStatusCode.OK).ToJsonString());

        await AssignAsync(7);
        Assert.Equal(
            """{"order_id":1,"weight":2.25,"region":1,"delivery_hours":["22:00-02:00"],"status":"assigned","courier_id":7,"assign_time":"2026-01-10T09:00:00Z"}""",
            (await GetAsync("/orders/1")).Expect(HttpStatusCode.OK).ToJsonString());

        (await CompleteAsync(7, 1, At(15))).Expect(HttpStatusCode.OK);
        Assert.Equal(
            """{"order_id":1,"weight":2.25,"region":1,"delivery_hours":["22:00-02:00"],"status":"completed","courier_id":7,"assign_time":"2026-01-10T09:00:00Z","complete_time":"2026-01-10T09:15:00Z"}""",
            (await GetAsync("/orders/1")).Expect(HttpStatusCode.OK).ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/orders/2")).Status);
    }

    [Theory]
    [InlineData(0, 10, 10, 10)]
    [InlineData(20, 5, 5, 25)]
    [InlineData(20, 10, 10, null)] // exactly the last page: no next page
    [InlineData(25, 10, 5, null)]
    [InlineData(30, 10, 0, null)]
    [InlineData(1000, 1000, 0, null)]
    public async Task PagesCouriersByIdWithANextOffsetOnlyWhenMoreFollow(int offset, int limit, int count, int? next)
    {
        await Couriers(Enumerable.Range(1, 30).Reverse().Select(i => Fake.Courier(i * 3).Build()).ToArray());

        var page = (await GetAsync($"/couriers?offset={offset}&limit={limit}")).Expect(HttpStatusCode.OK);

        var ids = page["couriers"]!.AsArray().Select(c => (long)c!["courier_id"]!).ToArray();
        Assert.Equal(Enumerable.Range(offset + 1, count).Select(i => (long)i * 3), ids);
        Assert.Equal(next, (int?)page["next_offset"]);
        Assert.Equal(offset, (int)page["offset"]!);
        Assert.Equal(limit, (int)page["limit"]!);
    }

    [Fact]
    public async Task ListsDefaultToTheFirstHundred()
    {
        await Orders(Enumerable.Range(1, 150).Select(i => Fake.Order(i).Build()).ToArray());

        var page = (await GetAsync("/orders")).Expect(HttpStatusCode.OK);

        Assert.Equal(100, page["orders"]!.AsArray().Count);
        Assert.Equal(100, (int)page["next_offset"]!);
    }

    [Fact]
    public async Task FiltersOrdersByStatus()
    {
        await Couriers(Fake.Courier(1).OfType("foot").Build());
        await Orders(Fake.Order(1).Weighing(4).Build(), Fake.Order(2).Weighing(4).Build(), Fake.Order(3).Weighing(4).Build());
        await AssignAsync(1); // 1 and 2 (8 kg); 3 stays pending
        (await CompleteAsync(1, 2, At(5))).Expect(HttpStatusCode.OK);

        async Task<long[]> Ids(string status) =>
            (await GetAsync($"/orders?status={status}")).Expect(HttpStatusCode.OK)["orders"]!.AsArray().Select(o => (long)o!["order_id"]!).ToArray();

        var (pending, assigned, completed) = (await Ids("pending"), await Ids("assigned"), await Ids("completed"));

        Assert.Equal([3L], pending);
        Assert.Equal([1L], assigned);
        Assert.Equal([2L], completed);
    }

    [Theory]
    [InlineData("/couriers?limit=1001", "limit")]
    [InlineData("/couriers?limit=0", "limit")]
    [InlineData("/orders?offset=-1", "offset")]
    [InlineData("/orders?status=done", "status")]
    [InlineData("/imports?limit=x", "limit")]
    public async Task RefusesBadPagingAndFilters(string path, string field)
    {
        Assert.NotNull((await GetAsync(path)).Expect(HttpStatusCode.BadRequest)["validation_error"]!["errors"]![field]);
    }
}
