using System.Net;
using SweetsStore.Tests.Infrastructure;
using static SweetsStore.Tests.Http.CourierImportTests;

namespace SweetsStore.Tests.Http;

public class OrderImportTests(ApiFactory api) : ApiTest(api)
{
    [Fact]
    public async Task ImportsAndAnswersTheIdsInRequestOrder()
    {
        var reply = await PostRawAsync("/orders", """
            {"data": [
              {"order_id": 2, "weight": 0.01, "region": 1, "delivery_hours": ["09:00-18:00"]},
              {"order_id": 1, "weight": 50, "region": 4, "delivery_hours": ["22:00-02:00", "10:00-11:00"]},
              {"order_id": 3, "weight": 5.5, "region": 4, "delivery_hours": ["09:00-18:00"]}
            ]}
            """);

        Assert.Equal("""{"orders":[{"id":2},{"id":1},{"id":3}]}""", Compact(reply.Expect(HttpStatusCode.Created)));
        var order = (await GetAsync("/orders/1")).Expect(HttpStatusCode.OK);
        Assert.Equal("""{"order_id":1,"weight":50,"region":4,"delivery_hours":["22:00-02:00","10:00-11:00"],"status":"pending"}""", Compact(order));
        Assert.Equal("5.5", (await GetAsync("/orders/3")).Expect(HttpStatusCode.OK)["weight"]!.ToJsonString());
    }

    [Theory]
    [InlineData("5.005")]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("50.01")]
    [InlineData("-1")]
    [InlineData("1e400")]
    [InlineData("\"5\"")]
    [InlineData("null")]
    [InlineData("[5]")]
    [InlineData("50.000000000000000000000000000001")]
    [InlineData("1.0000000000000000000000000000000000001")]
    public async Task WeightsAreCheckedStrictly(string weight)
    {
        var reply = await PostRawAsync("/orders",
            "{\"data\": [{\"order_id\": 9, \"weight\": " + weight + ", \"region\": 1, \"delivery_hours\": [\"09:00-18:00\"]}]}");

        var element = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["orders"]![0]!;
        Assert.Equal(9, (int)element["id"]!);
        Assert.Equal(["weight"], element["errors"]!.AsObject().Select(e => e.Key));
    }

    [Theory]
    [InlineData("region", "0")]
    [InlineData("region", "\"1\"")]
    [InlineData("region", "1.5")]
    [InlineData("region", "null")]
    [InlineData("delivery_hours[0]", "[\"18:00-18:00\"]")]
    [InlineData("delivery_hours[1]", "[\"09:00-10:00\", \"24:00-01:00\"]")]
    public async Task OtherFieldsAreCheckedStrictly(string field, string value)
    {
        var fields = new Dictionary<string, string> { ["weight"] = "1", ["region"] = "1", ["delivery_hours"] = "[\"09:00-18:00\"]" };
        fields[field.Split('[')[0]] = value;
        var body = "{\"data\": [{\"order_id\": 9, " + string.Join(", ", fields.Select(f => $"\"{f.Key}\": {f.Value}")) + "}]}";

        var reply = await PostRawAsync("/orders", body);

        var element = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["orders"]![0]!;
        Assert.Equal([field], element["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task ListsEveryInvalidOrderAndStoresNone()
    {
        var reply = await PostRawAsync("/orders", """
            {"data": [
              {"order_id": 1, "weight": 1, "region": 1, "delivery_hours": ["09:00-18:00"]},
              {"order_id": 2, "weight": 100, "region": 1, "delivery_hours": ["09:00-18:00"]},
              {"order_id": 3, "weight": 1, "region": 1, "delivery_hours": ["09:00-18:00"], "color": "red"},
              {"weight": 1, "region": 1, "delivery_hours": ["09:00-18:00"]}
            ]}
            """);

        Assert.Equal(
            """{"validation_error":{"orders":[{"id":2,"errors":{"weight":["must be a number from 0.01 to 50 with at most two decimals"]}},{"id":3,"errors":{"color":["unknown field"]}},{"index":3,"errors":{"order_id":["is required"]}}]}}""",
            Compact(reply.Expect(HttpStatusCode.BadRequest)));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task AnElementOverOneMebibyteIsRefusedWithoutReadingOnAndStoresNothing()
    {
        var reply = await PostRawAsync("/orders",
            "{\"data\": [{\"order_id\": 1, \"weight\": 1, \"region\": 1, \"delivery_hours\": [\"09:00-18:00\"]}, " +
            "{\"order_id\": 2, \"weight\": 1, \"region\": 1, \"delivery_hours\": [\"" + new string(' ', 2 << 20) + "09:00-18:00\"]}]}");

        Assert.Equal("""{"validation_error":{"orders":[],"errors":{"data[1]":["is larger than 1 MiB"]}}}""", Compact(reply.Expect(HttpStatusCode.BadRequest)));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task RefusesExistingIdsAndStoresNothingOfTheBatch()
    {
        (await PostAsync("/orders", new { data = new[] { Fake.Order(1).Build() } })).Expect(HttpStatusCode.Created);

        var reply = await PostAsync("/orders", new { data = new[] { Fake.Order(2).Build(), Fake.Order(1).Build(), Fake.Order(3).Build() } });

        Assert.Equal(
            """{"validation_error":{"orders":[{"id":1,"errors":{"order_id":["already exists"]}}]}}""",
            Compact(reply.Expect(HttpStatusCode.BadRequest)));
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task AnInvalidElementAfterRowsTheDatabaseRefusedIsStillA400()
    {
        // Found by the benchmark: existing ids make the server stop the streamed COPY early; the repeated id at
        // the end then fails validation, and cancelling the COPY used to surface the server's error as a 500.
        var orders = Fake.Orders(3000, regions: 10).ToArray();
        (await PostAsync("/orders", new { data = orders.Take(50) })).Expect(HttpStatusCode.Created);

        var reply = await PostAsync("/orders", new { data = orders.Append(orders[0]) });

        // Every invalid element is listed (contract, section 2): the 50 that exist, then the repeat.
        var reported = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["orders"]!.AsArray();
        Assert.Equal(orders.Take(50).Select(o => (long)o["order_id"]).Append((long)orders[0]["order_id"]), reported.Select(e => (long)e!["id"]!));
        Assert.All(reported.Take(50), e => Assert.Equal("already exists", (string?)e!["errors"]!["order_id"]![0]));
        Assert.Equal("repeats an id given earlier in this batch", (string?)reported[50]!["errors"]!["order_id"]![0]);
        Assert.Equal(50L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task ExistingIdsFoundMidStreamAreReportedAsAlreadyExisting()
    {
        var orders = Fake.Orders(3000, regions: 10).ToArray();
        (await PostAsync("/orders", new { data = orders.Skip(10).Take(5) })).Expect(HttpStatusCode.Created);

        var reply = await PostAsync("/orders", new { data = orders });

        var reported = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["orders"]!.AsArray();
        Assert.Equal(orders.Skip(10).Take(5).Select(o => (long)o["order_id"]), reported.Select(e => (long)e!["id"]!));
        Assert.Equal(5L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task ImportsFiftyThousandOrdersInOneRequest()
    {
        var orders = Fake.Orders(50_000, regions: 100).ToArray();

        var reply = await PostAsync("/orders", new { data = orders });

        Assert.Equal(50_000, reply.Expect(HttpStatusCode.Created)["orders"]!.AsArray().Count);
        Assert.Equal(50_000L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
        Assert.Equal(
            orders.Sum(o => (long)((decimal)o["weight"] * 100)),
            await Api.ScalarAsync<long>("SELECT sum(weight_cg)::bigint FROM orders"));
    }

    [Fact]
    public async Task ConcurrentImportsOfTheSameIdsStoreThemOnce()
    {
        var batch = new { data = Enumerable.Range(1, 200).Select(i => Fake.Order(i).Build()).ToArray() };

        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PostAsync("/orders", batch)));

        Assert.Single(replies, r => r.Status == HttpStatusCode.Created);
        Assert.All(replies.Where(r => r.Status != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.Status);
            Assert.Equal(200, r.Json!["validation_error"]!["orders"]!.AsArray().Count);
        });
        Assert.Equal(200L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }
}
