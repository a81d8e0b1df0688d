using System.Net;
using SweetsStore.Tests.Infrastructure;
using static SweetsStore.Tests.Http.CourierImportTests;

namespace SweetsStore.Tests.Http;

/// <summary>
/// 400s about a body as a whole (contract section 2): an import's carries the list the original schema requires,
/// empty (<c>{"couriers": [], "errors": {...}}</c>); a body that is not JSON says why and where under <c>body</c>,
/// in every endpoint that takes one.
/// </summary>
public class BodyErrorTests(ApiFactory api) : DeliveryTest(api)
{
    private const string Required = """{"data":["is required"]}""";

    public static TheoryData<string, string> BadImportBodies => new()
    {
        { "", Required },
        { " \r\n\t", Required },
        { "\uFEFF", Required },
        { "null", Required },
        { "[]", Required },
        { """[{"data": []}]""", Required },
        { "1", Required },
        { "\"data\"", Required },
        { "true", Required },
        { "{}", Required },
        { """{"data": null}""", Required },
        { """{"Data": []}""", Required },
        { """{"Data": [], "x": 1}""", Required },
        { """{"data": {}}""", """{"data":["must be an array"]}""" },
        { """{"data": "[]"}""", """{"data":["must be an array"]}""" },
        { """{"data": 5}""", """{"data":["must be an array"]}""" },
        { """{"data": [], "data": []}""", """{"data":["is given more than once"]}""" },
        { """{"data": [], "extra": 1, "more": null}""", """{"extra":["unknown field"],"more":["unknown field"]}""" },
        { "not json", """{"body":["is not valid JSON: expected a value: an object, an array, a string in double quotes, a number, true, false or null (line 1, byte 0)"]}""" },
        { """{"data": [""", """{"body":["is not valid JSON: the body ends early, expected a value or ']' (line 1, byte 10)"]}""" },
        { """{"data": []} trailing""", """{"body":["is not valid JSON: unexpected text after the JSON value (line 1, byte 13)"]}""" },
        { "{\"data\": [],\n \"x\": 1,\n}", """{"body":["is not valid JSON: a trailing ',' before '}' is not allowed (line 3, byte 0)"]}""" },
        { "{\"data\": [\n  {\"id\": 1}\n  {\"id\": 2}\n]}", """{"body":["is not valid JSON: expected ',' or ']' after an array item (line 3, byte 2)"]}""" },
    };

    [Theory]
    [MemberData(nameof(BadImportBodies))]
    public async Task ABadCourierImportBodyCarriesTheEmptyCouriersList(string body, string errors)
    {
        var reply = await PostRawAsync("/couriers", body);

        Assert.Equal("""{"validation_error":{"couriers":[],"errors":""" + errors + "}}", Compact(reply.Expect(HttpStatusCode.BadRequest)));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
    }

    [Theory]
    [MemberData(nameof(BadImportBodies))]
    public async Task ABadOrderImportBodyCarriesTheEmptyOrdersList(string body, string errors)
    {
        var reply = await PostRawAsync("/orders", body);

        Assert.Equal("""{"validation_error":{"orders":[],"errors":""" + errors + "}}", Compact(reply.Expect(HttpStatusCode.BadRequest)));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task TheContractsExampleOfBrokenJson()
    {
        var reply = await PostRawAsync("/couriers", """{"data": [{"courier_id": 1 "courier_type": "foot"}]}""");

        Assert.Equal(
            """{"validation_error":{"couriers":[],"errors":{"body":["is not valid JSON: expected ',' or '}' after a property value (line 1, byte 27)"]}}}""",
            Compact(reply.Expect(HttpStatusCode.BadRequest)));
    }

    [Fact]
    public async Task BrokenJsonAfterValidElementsStoresNothing()
    {
        // The first elements are valid and already on their way into the COPY when the break shows.
        var valid = string.Join(", ", Enumerable.Range(1, 500).Select(i => $$"""{"order_id": {{i}}, "weight": 1, "region": 1, "delivery_hours": []}"""));

        var reply = await PostRawAsync("/orders", "{\"data\": [" + valid + ", {\"order_id\": 501,]}");

        var text = Compact(reply.Expect(HttpStatusCode.BadRequest));
        Assert.StartsWith("""{"validation_error":{"orders":[],"errors":{"body":["is not valid JSON: expected a property name in double quotes (line 1, byte """, text);
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task AnElementLevelErrorStaysAsItWas()
    {
        var reply = await PostRawAsync("/couriers", """{"data": [{"courier_id": 1, "courier_type": "boat", "regions": [], "working_hours": []}]}""");

        Assert.Equal(
            """{"validation_error":{"couriers":[{"id":1,"errors":{"courier_type":["must be one of \"foot\", \"bike\", \"car\""]}}]}}""",
            Compact(reply.Expect(HttpStatusCode.BadRequest)));
    }

    [Theory]
    [InlineData("PATCH", "/couriers/1")]
    [InlineData("POST", "/orders/assign")]
    [InlineData("POST", "/orders/complete")]
    public async Task BrokenJsonIsNamedInEveryEndpointWithABody(string method, string path)
    {
        await Couriers(Fake.Courier(1).Build());

        var cut = await SendAsync(new HttpMethod(method), path, """{"courier_id": 1""");
        var broken = await SendAsync(new HttpMethod(method), path, "{\n  \"courier_id\": 1,\n  \"order_id\" 2\n}");

        Assert.Equal(
            """{"validation_error":{"errors":{"body":["is not valid JSON: the body ends early, expected ',' or '}' after a property value (line 1, byte 16)"]}}}""",
            Compact(cut.Expect(HttpStatusCode.BadRequest)));
        Assert.Equal(
            """{"validation_error":{"errors":{"body":["is not valid JSON: expected ':' after a property name (line 3, byte 13)"]}}}""",
            Compact(broken.Expect(HttpStatusCode.BadRequest)));
        Assert.Equal(0L, await Api.ScalarAsync<long>("SELECT count(*) FROM bundles"));
        Assert.Equal("foot", (string?)(await CourierAsync(1))["courier_type"]);
    }

    [Fact]
    public async Task AByteOrderMarkIsSkippedInEveryEndpointWithABody()
    {
        // As the imports skip it (CourierImportTests): before, these three answered "is not valid JSON: is not valid
        // JSON (line 1, byte 3)", a message with no reason, for a body that is valid after the mark.
        await Couriers(Fake.Courier(1).Build());
        await Orders(Fake.Order(1).Build());

        var patched = await SendAsync(HttpMethod.Patch, "/couriers/1", "\uFEFF" + """{"courier_type": "car"}""");
        var assigned = await SendAsync(HttpMethod.Post, "/orders/assign", "\uFEFF" + """{"courier_id": 1}""");
        var time = (string)assigned.Expect(HttpStatusCode.OK)["assign_time"]!;
        var completed = await SendAsync(HttpMethod.Post, "/orders/complete",
            "\uFEFF" + $$"""{"courier_id": 1, "order_id": 1, "complete_time": "{{time}}"}""");

        Assert.Equal("car", (string?)patched.Expect(HttpStatusCode.OK)["courier_type"]);
        Assert.Equal(1L, (long)completed.Expect(HttpStatusCode.OK)["order_id"]!);
    }

    [Theory]
    [InlineData("PATCH", "/couriers/1")]
    [InlineData("POST", "/orders/assign")]
    [InlineData("POST", "/orders/complete")]
    public async Task BrokenJsonAfterAByteOrderMarkIsNamedWithItsBytesCounted(string method, string path)
    {
        await Couriers(Fake.Courier(1).Build());

        var reply = await SendAsync(new HttpMethod(method), path, "\uFEFF" + """{"courier_id": 1""");

        Assert.Equal(
            """{"validation_error":{"errors":{"body":["is not valid JSON: the body ends early, expected ',' or '}' after a property value (line 1, byte 19)"]}}}""",
            Compact(reply.Expect(HttpStatusCode.BadRequest)));
    }

    [Theory]
    [InlineData("PATCH", "/couriers/1")]
    [InlineData("POST", "/orders/assign")]
    [InlineData("POST", "/orders/complete")]
    [InlineData("POST", "/couriers")]
    [InlineData("POST", "/orders")]
    public async Task NoMessageNamesTheParsersInternals(string method, string path)
    {
        await Couriers(Fake.Courier(1).Build());
        // Each breaks before anything else is wrong (an import is read left to right: a wrong shape met first is
        // what it reports).
        string[] bodies = ["{", "{\"a\": tru}", "{\"a\": [1,]}", "{\"a\": \"\\q\"}", "{\"a\": 01}", "{\"a\": " + new string('[', 100), "{\"data\": []} {}", "{\"a\": \"\\u12\"}", "{'a': 1}"];

        foreach (var body in bodies)
        {
            var reply = await SendAsync(new HttpMethod(method), path, body);

            var text = reply.Body;
            Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
            Assert.Contains("is not valid JSON: ", text, StringComparison.Ordinal);
            Assert.Matches(@"\(line \d+, byte \d+\)", text);
            foreach (var leak in new[] { "System.", "Exception", "LineNumber", "BytePositionInLine", "reader options", "Utf8JsonReader", "/work/", " at " })
            {
                Assert.DoesNotContain(leak, text, StringComparison.Ordinal);
            }
        }
    }
}
