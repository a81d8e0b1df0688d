using System.Net;
using System.Text.Json.Nodes;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

public class CourierImportTests(ApiFactory api) : ApiTest(api)
{
    private const string DataRequired = """{"validation_error":{"couriers":[],"errors":{"data":["is required"]}}}""";

    [Fact]
    public async Task ImportsAndAnswersTheIdsInRequestOrder()
    {
        var reply = await PostAsync("/couriers", new
        {
            data = new[]
            {
                Fake.Courier(3).OfType("car").InRegions(1, 12, 22).Working("11:35-14:05", "09:00-11:00").Build(),
                Fake.Courier(1).OfType("foot").InRegions(22).Build(),
                Fake.Courier(2).OfType("bike").Build(),
            },
        });

        Assert.Equal("""{"couriers":[{"id":3},{"id":1},{"id":2}]}""", Compact(reply.Expect(HttpStatusCode.Created)));
        Assert.StartsWith("application/json", reply.ContentType);
        var stored = (await GetAsync("/couriers/3")).Expect(HttpStatusCode.OK);
        Assert.Equal("""{"courier_id":3,"courier_type":"car","regions":[1,12,22],"working_hours":["11:35-14:05","09:00-11:00"],"earnings":0}""", Compact(stored));
    }

    [Fact]
    public async Task AnEmptyListImportsNothing()
    {
        var reply = await PostRawAsync("/couriers", """{"data": []}""");

        Assert.Equal("""{"couriers":[]}""", Compact(reply.Expect(HttpStatusCode.Created)));
    }

    [Fact]
    public async Task ListsEveryInvalidCourierWithTheIdItWasSentWith()
    {
        var reply = await PostRawAsync("/couriers", """
            {"data": [
              {"courier_id": 1, "courier_type": "foot", "regions": [1], "working_hours": ["09:00-18:00"]},
              {"courier_id": 2, "courier_type": "foot", "regions": [1, 0], "working_hours": ["09:00-18:00"]},
              {"courier_id": 3, "courier_type": "Foot", "regions": [1], "working_hours": ["9:00-18:00", "10:00-10:00"], "rating": 5}
            ]}
            """);

        var couriers = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["couriers"]!.AsArray();
        Assert.Equal(2, couriers.Count);
        Assert.Equal(2, (int)couriers[0]!["id"]!);
        Assert.Equal(["regions[1]"], couriers[0]!["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(3, (int)couriers[1]!["id"]!);
        Assert.Equal(
            ["courier_type", "rating", "working_hours[0]", "working_hours[1]"],
            couriers[1]!["errors"]!.AsObject().Select(e => e.Key).Order());
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
    }

    [Fact]
    public async Task ReportsAnElementWithoutAUsableIdByItsPosition()
    {
        var reply = await PostRawAsync("/couriers", """
            {"data": [
              {"courier_id": 1, "courier_type": "foot", "regions": [1], "working_hours": ["09:00-18:00"]},
              {"courier_id": "2", "courier_type": "foot", "regions": [1], "working_hours": ["09:00-18:00"]},
              {"courier_type": "bike", "regions": [1], "working_hours": ["09:00-18:00"]},
              7
            ]}
            """);

        var couriers = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["couriers"]!;
        Assert.Equal(
            """[{"index":1,"errors":{"courier_id":["must be an integer ≥ 1"]}},{"index":2,"errors":{"courier_id":["is required"]}},{"index":3,"errors":{"data[3]":["must be a JSON object"]}}]""",
            Compact(couriers));
    }

    [Fact]
    public async Task RefusesAnIdRepeatedInsideTheBatch()
    {
        var reply = await PostAsync("/couriers", new { data = new[] { Fake.Courier(5).Build(), Fake.Courier(6).Build(), Fake.Courier(5).Build() } });

        var couriers = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["couriers"]!;
        Assert.Equal("""[{"id":5,"errors":{"courier_id":["repeats an id given earlier in this batch"]}}]""", Compact(couriers));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
    }

    [Fact]
    public async Task RefusesIdsThatAlreadyExistAndStoresNothingOfTheBatch()
    {
        (await PostAsync("/couriers", new { data = new[] { Fake.Courier(1).Build() } })).Expect(HttpStatusCode.Created);

        var reply = await PostAsync("/couriers", new { data = new[] { Fake.Courier(2).Build(), Fake.Courier(1).OfType("car").Build() } });

        Assert.Equal(
            """{"validation_error":{"couriers":[{"id":1,"errors":{"courier_id":["already exists"]}}]}}""",
            Compact(reply.Expect(HttpStatusCode.BadRequest)));
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
        Assert.Equal("foot", await Api.ScalarAsync<string>("SELECT courier_type FROM couriers WHERE courier_id = 1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n")]
    [InlineData("[]")]
    [InlineData("\"data\"")]
    [InlineData("{}")]
    [InlineData("{\"data\": null}")]
    [InlineData("{\"Data\": []}")]
    public async Task ABodyThatIsNotAnObjectWithDataIsRefused(string body)
    {
        var reply = await PostRawAsync("/couriers", body);

        Assert.Equal(DataRequired, Compact(reply.Expect(HttpStatusCode.BadRequest)));
    }

    [Theory]
    [InlineData("""{"data": {}}""", "data", "must be an array")]
    [InlineData("""{"data": [], "extra": 1}""", "extra", "unknown field")]
    public async Task ReportsProblemsOfTheEnvelope(string body, string field, string message)
    {
        var reply = await PostRawAsync("/couriers", body);

        Assert.Equal(
            """{"validation_error":{"couriers":[],"errors":{""" + $"\"{field}\":[\"{message}\"]" + "}}}",
            Compact(reply.Expect(HttpStatusCode.BadRequest)));
    }

    [Theory]
    [InlineData("\"courier_id\": 1.5", "courier_id")]
    [InlineData("\"courier_id\": 0", "courier_id")]
    [InlineData("\"courier_id\": -3", "courier_id")]
    [InlineData("\"courier_id\": 1e2", "courier_id")]
    [InlineData("\"courier_id\": 99999999999999999999", "courier_id")]
    [InlineData("\"courier_id\": null", "courier_id")]
    [InlineData("\"courier_id\": true", "courier_id")]
    public async Task IdsAreStrictIntegers(string idPart, string field)
    {
        var body = "{\"data\": [{" + idPart + ", \"courier_type\": \"foot\", \"regions\": [1], \"working_hours\": [\"09:00-18:00\"]}]}";

        var reply = await PostRawAsync("/couriers", body);

        var element = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["couriers"]![0]!;
        Assert.Equal(0, (int)element["index"]!);
        Assert.NotNull(element["errors"]![field]);
    }

    [Theory]
    [InlineData("courier_type", "\"Foot\"")]
    [InlineData("courier_type", "\"walker\"")]
    [InlineData("courier_type", "1")]
    [InlineData("courier_type", "null")]
    [InlineData("regions", "5")]
    [InlineData("regions", "null")]
    [InlineData("regions[0]", "[0]")]
    [InlineData("regions[0]", "[\"1\"]")]
    [InlineData("regions[1]", "[1, 1.5]")]
    [InlineData("regions[0]", "[3000000000]")]
    [InlineData("regions[0]", "[null]")]
    [InlineData("working_hours", "\"09:00-18:00\"")]
    [InlineData("working_hours[0]", "[\"24:00-01:00\"]")]
    [InlineData("working_hours[0]", "[\"9:00-18:00\"]")]
    [InlineData("working_hours[0]", "[\"09:00 - 18:00\"]")]
    [InlineData("working_hours[0]", "[\"09:00:00-18:00:00\"]")]
    [InlineData("working_hours[0]", "[\"10:00-10:00\"]")]
    [InlineData("working_hours[0]", "[900]")]
    public async Task EveryFieldIsCheckedStrictly(string field, string value)
    {
        var fields = new Dictionary<string, string>
        {
            ["courier_type"] = "\"foot\"",
            ["regions"] = "[1]",
            ["working_hours"] = "[\"09:00-18:00\"]",
        };
        fields[field.Split('[')[0]] = value;
        var body = "{\"data\": [{\"courier_id\": 4, " + string.Join(", ", fields.Select(f => $"\"{f.Key}\": {f.Value}")) + "}]}";

        var reply = await PostRawAsync("/couriers", body);

        var element = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["couriers"]![0]!;
        Assert.Equal(4, (int)element["id"]!);
        Assert.Equal([field], element["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
    }

    [Fact]
    public async Task LoneSurrogateEscapesAreInvalidTextNotACrash()
    {
        // Well-formed JSON, but "\ud800" decodes to no valid text: reading it used to throw (a 500).
        var reply = await PostRawAsync("/couriers",
            """{"data": [{"courier_id": 1, "courier_type": "\ud800", "regions": [1], "working_hours": ["09:00-18:0\udfff"], "\udc00": 1}]}""");

        var errors = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["couriers"]![0]!["errors"]!.AsObject();
        Assert.Equal(["(a field name that is not valid text)", "courier_type", "working_hours[0]"], errors.Select(e => e.Key).Order());
    }

    [Fact]
    public async Task AnExistingIdIsListedBesideEveryOtherFaultInTheOrderSent()
    {
        (await PostAsync("/couriers", new { data = new[] { Fake.Courier(1).Build() } })).Expect(HttpStatusCode.Created);

        var reply = await PostAsync("/couriers", new
        {
            data = new[] { Fake.Courier(2).Build(), Fake.Courier(1).Build(), Fake.Courier(3).OfType("boat").Build(), Fake.Courier(2).Build() },
        });

        Assert.Equal(
            """[{"id":1,"errors":{"courier_id":["already exists"]}},{"id":3,"errors":{"courier_type":["must be one of \"foot\", \"bike\", \"car\""]}},{"id":2,"errors":{"courier_id":["repeats an id given earlier in this batch"]}}]""",
            Compact(reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["couriers"]!));
        Assert.Equal(1L, await Api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
    }

    [Fact]
    public async Task ExistingIdsAtTheEndsOfTheStoredRangeAreFound()
    {
        // Only ids between the lowest and the highest stored one are looked up: both ends belong to the range.
        (await PostAsync("/couriers", new { data = new[] { Fake.Courier(5).Build(), Fake.Courier(9).Build() } })).Expect(HttpStatusCode.Created);

        var reply = await PostAsync("/couriers", new
        {
            data = new[] { Fake.Courier(1).OfType("boat").Build(), Fake.Courier(4).Build(), Fake.Courier(5).Build(), Fake.Courier(7).Build(), Fake.Courier(9).Build(), Fake.Courier(10).Build() },
        });

        var listed = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["couriers"]!.AsArray();
        Assert.Equal(new[] { 1L, 5L, 9L }, listed.Select(e => (long)e!["id"]!));
        Assert.Equal(2L, await Api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
    }

    [Fact]
    public async Task AByteOrderMarkIsSkipped()
    {
        var body = "\uFEFF" + """{"data": [{"courier_id": 1, "courier_type": "foot", "regions": [1], "working_hours": ["09:00-18:00"]}]}""";

        var reply = await PostRawAsync("/couriers", body);

        Assert.Equal("""{"couriers":[{"id":1}]}""", Compact(reply.Expect(HttpStatusCode.Created)));
    }

    [Fact]
    public async Task AFieldGivenTwiceIsAnError()
    {
        var reply = await PostRawAsync("/couriers",
            """{"data": [{"courier_id": 1, "courier_id": 2, "courier_type": "foot", "regions": [1], "working_hours": ["09:00-18:00"]}]}""");

        var element = reply.Expect(HttpStatusCode.BadRequest)["validation_error"]!["couriers"]![0]!;
        Assert.Equal("is given more than once", (string?)element["errors"]!["courier_id"]![0]);
    }

    [Fact]
    public async Task ATopLevelHoldsOnlyTheValidationError()
    {
        var reply = await PostRawAsync("/couriers", """{"data": [{"courier_id": 1}]}""");

        Assert.Equal(["validation_error"], reply.Expect(HttpStatusCode.BadRequest).AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task ImportsTenThousandCouriersInOneRequest()
    {
        var couriers = Enumerable.Range(1, 10_000).Select(i => Fake.Courier(i).OfType(i % 3 == 0 ? "car" : "bike").InRegions(i % 50 + 1).Build()).ToArray();

        var reply = await PostAsync("/couriers", new { data = couriers });

        Assert.Equal(10_000, reply.Expect(HttpStatusCode.Created)["couriers"]!.AsArray().Count);
        Assert.Equal(10_000L, await Api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
    }

    internal static string Compact(JsonNode? node) => node!.ToJsonString(new System.Text.Json.JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
