using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SweetsStore.Tests.Infrastructure;
using static SweetsStore.Tests.Http.CourierImportTests;

namespace SweetsStore.Tests.Http;

/// <summary>
/// The background imports (<c>POST /imports/*</c>) take empty lists like the synchronous ones, and say why and where
/// a body is not JSON: at once for a JSON body (the streamed scanner), in the job's report for an NDJSON line.
/// </summary>
public class BackgroundImportBodyTests(JobsFactory api) : IClassFixture<JobsFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = ImportJobTests.Client(api);

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task EmptyListsAreLoaded()
    {
        var couriers = await UploadAsync("/imports/couriers", EmptyListsTests.OriginalCouriers, "application/json");
        var orders = await UploadAsync("/imports/orders",
            "{\"order_id\": 1, \"weight\": 1, \"region\": 12, \"delivery_hours\": []}\n{\"order_id\": 2, \"weight\": 2, \"region\": 22, \"delivery_hours\": [\"10:00-11:00\"]}\n",
            "application/x-ndjson");

        Assert.Equal("succeeded", (string?)(await WaitAsync(couriers))["status"]);
        Assert.Equal("succeeded", (string?)(await WaitAsync(orders))["status"]);
        Assert.Equal("{}", await api.ScalarAsync<string>("SELECT working_hours::text FROM couriers WHERE courier_id = 3"));
        Assert.Equal("{}", await api.ScalarAsync<string>("SELECT delivery_hours::text FROM orders WHERE order_id = 1"));
        Assert.Equal(1L, await api.ScalarAsync<long>("SELECT count(*) FROM orders WHERE isempty(delivery)"));
    }

    [Theory]
    [InlineData("{\"data\": [{\"order_id\": 1,", """{"body":["is not valid JSON: the body ends early, expected a property name in double quotes (line 1, byte 25)"]}""")]
    [InlineData("{\"data\": [\n{\"order_id\": 1}\n{\"order_id\": 2}]}", """{"body":["is not valid JSON: expected ',' or ']' after an array item (line 3, byte 0)"]}""")]
    [InlineData("not json", """{"body":["is not valid JSON: expected a value: an object, an array, a string in double quotes, a number, true, false or null (line 1, byte 0)"]}""")]
    [InlineData("", """{"data":["is required"]}""")]
    [InlineData("[]", """{"data":["is required"]}""")]
    [InlineData("""{"data": {}}""", """{"data":["must be an array"]}""")]
    public async Task ABadJsonBodyIsRefusedAtOnceWithTheEmptyList(string body, string errors)
    {
        var reply = await UploadAsync("/imports/orders", body, "application/json", expect: HttpStatusCode.BadRequest);

        Assert.Equal("""{"validation_error":{"orders":[],"errors":""" + errors + "}}", Compact(JsonNode.Parse(await reply.Content.ReadAsStringAsync())));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    [Fact]
    public async Task AnUnknownFormatIsRefusedWithTheEmptyList()
    {
        var reply = await UploadAsync("/imports/couriers?format=xml", "{\"data\": []}", "application/json", expect: HttpStatusCode.BadRequest);

        Assert.Equal("""{"validation_error":{"couriers":[],"errors":{"format":["must be \"json\" or \"ndjson\""]}}}""",
            Compact(JsonNode.Parse(await reply.Content.ReadAsStringAsync())));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    [Fact]
    public async Task ABrokenNdjsonLineIsNamedWithItsLineInTheReport()
    {
        var body = "{\"courier_id\": 1, \"courier_type\": \"car\", \"regions\": [], \"working_hours\": []}\n\n{\"courier_id\": 2, \"courier_type\": \"foot\" \"regions\": [1]}\n";

        var accepted = await UploadAsync("/imports/couriers", body, "application/x-ndjson");

        var done = await WaitAsync(accepted);
        Assert.Equal("failed", (string?)done["status"]);
        // The element's line is its own field too (the report is stored as jsonb, which puts shorter keys first).
        Assert.Equal(
            """{"validation_error":{"couriers":[{"line":3,"index":1,"errors":{"data[1]":["is not valid JSON: expected ',' or '}' after a property value (line 3, byte 41)"]}}]}}""",
            Compact(done["report"]));
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
    }

    private async Task<HttpResponseMessage> UploadAsync(string path, string body, string contentType, HttpStatusCode expect = HttpStatusCode.Accepted)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var reply = await _client.PostAsync(path, content);
        Assert.True(reply.StatusCode == expect, $"{(int)reply.StatusCode}: {await reply.Content.ReadAsStringAsync()}");
        return reply;
    }

    private async Task<JsonNode> WaitAsync(HttpResponseMessage accepted) =>
        await ImportJobTests.WaitAsync(_client, (long)JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["import_id"]!);
}
