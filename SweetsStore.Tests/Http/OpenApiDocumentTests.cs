using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>The API with an operator key, which the (non-local) test client sends to the background imports.</summary>
public sealed class OperatorKeyFactory : ApiFactory
{
    public const string ApiKey = "openapi-test-key-0123456789";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Security:ApiKey", ApiKey)];
}

/// <summary>
/// The OpenAPI document, read from the real pipeline, is true: its examples succeed as they stand, every answer the
/// service gives fits the schema the document shows for it (400s included), and it states the contract's constraints.
/// </summary>
public class OpenApiDocumentTests : IClassFixture<OperatorKeyFactory>, IAsyncLifetime
{
    private const string DocumentPath = "/swagger/v1/swagger.json";

    private readonly OperatorKeyFactory _api;
    private readonly HttpClient _client;

    public OpenApiDocumentTests(OperatorKeyFactory api)
    {
        _api = api;
        _client = api.CreateClient();
        _client.DefaultRequestHeaders.Add("X-Api-Key", OperatorKeyFactory.ApiKey);
    }

    public Task InitializeAsync() => _api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task EveryExampleSucceedsAsItStandsAndEveryAnswerFitsTheDocument()
    {
        var shape = new OpenApiShape((await GetAsync(DocumentPath)).Expect(HttpStatusCode.OK));

        // In the order the document's overview gives, on an empty database.
        await SendExampleAsync(shape, "post", "/couriers", HttpStatusCode.Created);
        await SendExampleAsync(shape, "post", "/orders", HttpStatusCode.Created);
        var assigned = await SendExampleAsync(shape, "post", "/orders/assign", HttpStatusCode.OK);
        Assert.Equal(3, (long)assigned["orders"]![0]!["id"]!);
        await SendExampleAsync(shape, "post", "/orders/complete", HttpStatusCode.OK);
        var courier = await SendExampleAsync(shape, "patch", "/couriers/{courier_id}", HttpStatusCode.OK);
        Assert.Equal([11, 33, 2], courier["regions"]!.AsArray().Select(r => (int)r!));

        var details = await GetDocumentedAsync(shape, "/couriers/{courier_id}", "/couriers/2", HttpStatusCode.OK);
        Assert.Equal(2500, (long)details["earnings"]!); // one finished bundle of a bike: 500 × 5
        Assert.NotNull(details["rating"]);

        // The background imports (workers are off here): the upload is accepted, and the same elements pass the
        // synchronous import, whose rules the job applies. The NDJSON example's ids are moved out of the way.
        foreach (var (path, syncPath) in new[] { ("/imports/couriers", "/couriers"), ("/imports/orders", "/orders") })
        {
            var accepted = await SendExampleAsync(shape, "post", path, HttpStatusCode.Accepted);
            await GetDocumentedAsync(shape, "/imports/{import_id}", $"/imports/{(long)accepted["import_id"]!}", HttpStatusCode.OK);
            var json = Example(shape, "post", path, "application/json");
            await SendDocumentedAsync(shape, "post", syncPath, syncPath, json.ToJsonString(), HttpStatusCode.Created);

            var ndjson = (string)Example(shape, "post", path, "application/x-ndjson")!;
            var lines = ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
            Assert.Equal(json["data"]!.AsArray().Count, lines.Count);
            var item = shape.Document["paths"]![path]!["post"]!["requestBody"]!["content"]!["application/x-ndjson"]!["schema"]!;
            Assert.All(lines, line => Assert.Empty(shape.Check(item, line)));
            await SendDocumentedAsync(shape, "post", path, path, ndjson, HttpStatusCode.Accepted, "application/x-ndjson");
            var moved = new JsonObject { ["data"] = new JsonArray([.. lines.Select(MoveId)]) };
            await SendDocumentedAsync(shape, "post", syncPath, syncPath, moved.ToJsonString(), HttpStatusCode.Created);
        }

        // The reads, each against its documented answer.
        await GetDocumentedAsync(shape, "/orders/{order_id}", "/orders/3", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/orders/{order_id}", "/orders/1", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/orders", "/orders?status=pending&limit=2", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/couriers", "/couriers?limit=1000", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/couriers/{courier_id}", "/couriers/1?from=2026-01-10T00:00:00Z&to=2026-01-11T00:00:00Z", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/imports", "/imports", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/stats", "/stats", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/stats/live", "/stats/live", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/stats/regions", "/stats/regions", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/stats/stale-bundles", "/stats/stale-bundles", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/health/live", "/health/live", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/health/ready", "/health/ready", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/couriers/{courier_id}", "/couriers/99", HttpStatusCode.NotFound);
        await GetDocumentedAsync(shape, "/orders/{order_id}", "/orders/99", HttpStatusCode.NotFound);
        await GetDocumentedAsync(shape, "/couriers/{courier_id}/assignment", "/couriers/2/assignment", HttpStatusCode.OK);
        await GetDocumentedAsync(shape, "/couriers/{courier_id}/assignment", "/couriers/99/assignment", HttpStatusCode.NotFound);
        using var withoutKey = _api.CreateClient();
        using var refused = await withoutKey.PostAsync("/imports/orders", new StringContent(Example(shape, "post", "/imports/orders", "application/json").ToJsonString()));
        Documented(shape, "post", "/imports/orders", await Reply.ReadAsync(refused), HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("post", "/couriers", "/couriers", """{"data": [{"courier_id": 1, "courier_type": "Foot", "regions": [0], "working_hours": ["9:00-18:00"]}, {"courier_type": "car"}]}""")]
    [InlineData("post", "/orders", "/orders", """{"data": [{"order_id": 1, "weight": 5.005, "region": 1, "delivery_hours": ["09:00-09:00"]}]}""")]
    [InlineData("post", "/couriers", "/couriers", """{"couriers": []}""")]
    [InlineData("post", "/orders", "/orders", """{"data": [1,""")]
    [InlineData("patch", "/couriers/{courier_id}", "/couriers/1", """{"regions": [0], "colour": "red"}""")]
    [InlineData("patch", "/couriers/{courier_id}", "/couriers/x", """{}""")]
    [InlineData("post", "/orders/assign", "/orders/assign", """{"courier_id": "1"}""")]
    [InlineData("post", "/orders/assign", "/orders/assign", """{"courier_id": 1}""")]
    [InlineData("post", "/orders/complete", "/orders/complete", """{"courier_id": 1, "order_id": 1, "complete_time": "2026-01-10 10:00"}""")]
    [InlineData("get", "/couriers/{courier_id}", "/couriers/0", null)]
    [InlineData("get", "/couriers/{courier_id}", "/couriers/1?from=yesterday", null)]
    [InlineData("get", "/couriers", "/couriers?limit=1001", null)]
    [InlineData("get", "/orders/{order_id}", "/orders/-1", null)]
    [InlineData("get", "/orders", "/orders?status=lost", null)]
    [InlineData("get", "/imports/{import_id}", "/imports/abc", null)]
    [InlineData("get", "/imports", "/imports?offset=-1", null)]
    [InlineData("post", "/imports/orders", "/imports/orders", """{"orders": []}""")]
    [InlineData("post", "/imports/couriers", "/imports/couriers?format=xml", """{"data": []}""")]
    public async Task EveryBadRequestIsTheEnvelopeTheDocumentShows(string method, string documented, string path, string? body)
    {
        var shape = new OpenApiShape((await GetAsync(DocumentPath)).Expect(HttpStatusCode.OK));

        var error = method == "get"
            ? await GetDocumentedAsync(shape, documented, path, HttpStatusCode.BadRequest)
            : await SendDocumentedAsync(shape, method, documented, path, body!, HttpStatusCode.BadRequest);

        Assert.Equal(["validation_error"], error.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task EveryBadRequestIsDocumentedAsTheEnvelopeAndNoOtherShape()
    {
        var document = (await GetAsync(DocumentPath)).Expect(HttpStatusCode.OK);
        var shape = new OpenApiShape(document);

        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.DoesNotContain(schemas, s => s.Key.Contains("ProblemDetails", StringComparison.Ordinal));
        foreach (var (path, operation, method) in Operations(document).Where(o => !o.Path.StartsWith("/health/", StringComparison.Ordinal)))
        {
            var responses = operation["responses"]!.AsObject();
            Assert.NotNull(responses["default"]);
            Assert.Contains("trace_id", Properties(shape, responses["default"]!));
            foreach (var (status, response) in responses)
            {
                var properties = Properties(shape, response!);
                if (status == "400")
                {
                    var envelope = shape.Resolve(Schema(response!));
                    Assert.Equal(["validation_error"], properties);
                    Assert.Equal(["validation_error"], envelope["required"]!.AsArray().Select(r => (string)r!));
                    Assert.False((bool)envelope["additionalProperties"]!);
                    var inner = shape.Resolve(envelope["properties"]!["validation_error"]!);
                    // The imports' envelope holds the list the original schema requires, and errors of the body as a whole.
                    var list = (path, method) switch
                    {
                        ("/couriers" or "/imports/couriers", "post") => "couriers",
                        ("/orders" or "/imports/orders", "post") => "orders",
                        _ => null,
                    };
                    var expected = list is null ? ["errors"] : new[] { list, "errors" };
                    Assert.Equal(expected.Order(), inner["properties"]!.AsObject().Select(p => p.Key).Order());
                    Assert.Equal(list ?? "errors", (string)inner["required"]!.AsArray().Single()!);
                }
                else if (status[0] is '4' or '5' || status == "default")
                {
                    Assert.Equal(["detail", "status", "title", "trace_id"], properties.Order());
                }
            }
        }
    }

    [Fact]
    public async Task EveryOperationWithABodyDocumentsItsLimit()
    {
        var document = (await GetAsync(DocumentPath)).Expect(HttpStatusCode.OK);

        var withBody = Operations(document).Where(o => o.Method is "post" or "patch" or "put").ToArray();

        Assert.Contains(withBody, o => o.Path == "/orders/assign");
        Assert.Contains(withBody, o => o.Path == "/couriers/{courier_id}" && o.Method == "patch");
        Assert.All(withBody, o => Assert.True(o.Operation["responses"]!["413"] is not null, $"{o.Method} {o.Path} does not document 413"));
    }

    [Fact]
    public async Task TheDocumentStatesTheContractsConstraints()
    {
        var document = (await GetAsync(DocumentPath)).Expect(HttpStatusCode.OK);
        var shape = new OpenApiShape(document);
        var schemas = document["components"]!["schemas"]!;

        foreach (var name in new[] { "NewCourier", "CourierPatch", "CourierResponse", "CourierDetailsResponse" })
        {
            Assert.Equal(["foot", "bike", "car"], schemas[name]!["properties"]!["courier_type"]!["enum"]!.AsArray().Select(e => (string)e!));
            var hours = schemas[name]!["properties"]!["working_hours"]!["items"]!;
            Assert.Equal(@"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", (string)hours["pattern"]!);
            Assert.Equal(1, (int)schemas[name]!["properties"]!["regions"]!["items"]!["minimum"]!);
        }

        foreach (var name in new[] { "NewOrder", "OrderResponse" })
        {
            var weight = schemas[name]!["properties"]!["weight"]!;
            Assert.Equal((0.01m, 50m, 0.01m), ((decimal)weight["minimum"]!, (decimal)weight["maximum"]!, (decimal)weight["multipleOf"]!));
            Assert.NotNull(schemas[name]!["properties"]!["delivery_hours"]!["items"]!["pattern"]);
        }

        Assert.Equal(["courier_id", "courier_type", "regions", "working_hours"], Required(schemas["NewCourier"]!));
        Assert.Equal(["delivery_hours", "order_id", "region", "weight"], Required(schemas["NewOrder"]!));
        Assert.Equal(["complete_time", "courier_id", "order_id"], Required(schemas["CompleteRequest"]!));
        Assert.Empty(Required(schemas["CourierPatch"]!));
        Assert.Equal(["courier_id", "courier_type", "earnings", "regions", "working_hours"], Required(schemas["CourierDetailsResponse"]!));
        Assert.Equal(["pending", "assigned", "completed"], schemas["OrderResponse"]!["properties"]!["status"]!["enum"]!.AsArray().Select(e => (string)e!));

        // Nothing is nullable but the pages' next_offset, which is written as null on the last page, and the preview's
        // open_bundle, null when the courier has none.
        var nullable = schemas.AsObject()
            .SelectMany(s => (s.Value!["properties"]?.AsObject() ?? []).Where(p => p.Value!["nullable"] is not null).Select(p => $"{s.Key}.{p.Key}"))
            .ToList();
        Assert.Equal(["AssignmentPreviewResponse.open_bundle", "CourierPage.next_offset", "ImportPage.next_offset", "OrderPage.next_offset"], nullable.Order());

        // Path and query parameters say what they hold, though the actions read them from strings.
        var patch = document["paths"]!["/couriers/{courier_id}"]!["patch"]!["parameters"]![0]!["schema"]!;
        Assert.Equal(("integer", 1), ((string)patch["type"]!, (int)patch["minimum"]!));
        var statusParameter = document["paths"]!["/orders"]!["get"]!["parameters"]!.AsArray().Single(p => (string)p!["name"]! == "status")!;
        Assert.Equal(3, statusParameter["schema"]!["enum"]!.AsArray().Count);

        Assert.NotNull(document["paths"]!["/health/live"]!["get"]);
        Assert.NotNull(document["paths"]!["/health/ready"]!["get"]!["responses"]!["503"]);

        // Written for the API's users: no decision numbers, issue numbers or implementation remarks.
        var text = document.ToJsonString();
        Assert.DoesNotMatch(new Regex(@"\b[Ii]ssue \d|\b0\d{3}\b|decision|written by hand|[Ss]wagger[A-Z]", RegexOptions.CultureInvariant), text);
        Assert.Contains("(/swagger/api.md)", (string)document["info"]!["description"]!);
        Assert.Empty(shape.Check(schemas["CourierDetailsResponse"]!, JsonNode.Parse(
            """{"courier_id": 2, "courier_type": "foot", "regions": [11, 33, 2], "working_hours": ["09:00-18:00"], "rating": 4.93, "earnings": 10000}""")));
    }

    [Fact]
    public async Task EveryPostDocumentsItsIdempotencyKeyAndThePreviewItsExample()
    {
        var document = (await GetAsync(DocumentPath)).Expect(HttpStatusCode.OK);
        var shape = new OpenApiShape(document);

        var posts = Operations(document).Where(o => o.Method == "post").Select(o => o.Path).Order().ToArray();
        Assert.Equal(["/couriers", "/imports/couriers", "/imports/orders", "/orders", "/orders/assign", "/orders/complete"], posts);
        foreach (var path in posts)
        {
            var operation = document["paths"]![path]!["post"]!;
            var key = operation["parameters"]!.AsArray().Single(p => (string)p!["name"]! == "Idempotency-Key")!;
            Assert.Equal(("header", false), ((string)key["in"]!, (bool?)key["required"] ?? false));
            Assert.Equal("^[!-~]{1,255}$", (string)key["schema"]!["pattern"]!);
            var responses = operation["responses"]!.AsObject();
            Assert.NotNull(responses["409"]!["headers"]!["Retry-After"]);
            Assert.Equal(["detail", "status", "title", "trace_id"], Properties(shape, responses["409"]!).Order());
            Assert.Equal(["detail", "status", "title", "trace_id"], Properties(shape, responses["422"]!).Order());
            var success = Assert.Single(responses, r => r.Key.StartsWith('2'));
            Assert.NotNull(success.Value!["headers"]!["Idempotent-Replayed"]);
        }

        var preview = document["paths"]!["/couriers/{courier_id}/assignment"]!["get"]!["responses"]!;
        var example = preview["200"]!["content"]!["application/json"]!["example"];
        Assert.NotNull(example);
        Assert.Empty(shape.Check(Schema(preview["200"]!), example));
        Assert.NotNull(preview["404"]);
    }

    [Fact]
    public async Task TheReferenceTheDocumentLinksToIsServed()
    {
        using var response = await _client.GetAsync("/swagger/api.md");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString());
        Assert.StartsWith("# SweetsStore API", text);
        Assert.Contains("POST /orders/assign", text);
    }

    [Fact]
    public async Task TheShapeCheckFindsWhatDoesNotFit()
    {
        var shape = new OpenApiShape((await GetAsync(DocumentPath)).Expect(HttpStatusCode.OK));
        var courierErrors = shape.Document["components"]!["schemas"]!["CourierImportErrorResponse"]!;
        var courier = shape.Document["components"]!["schemas"]!["NewCourier"]!;

        Assert.Empty(shape.Check(courierErrors, JsonNode.Parse("""{"validation_error": {"couriers": [{"id": 2, "errors": {"regions[0]": ["x"]}}]}}""")));
        Assert.Contains(shape.Check(courierErrors, JsonNode.Parse("""{"validation_error": {"errors": {"data": ["is required"]}}}""")), p => p.Contains("couriers is missing"));
        Assert.Contains(shape.Check(courierErrors, JsonNode.Parse("""{"title": "Bad Request", "status": 400}""")), p => p.Contains("title is not in the schema"));
        var bad = shape.Check(courier, JsonNode.Parse("""{"courier_id": 0, "courier_type": "Foot", "regions": [null], "working_hours": ["9:00-18:00"], "x": 1}"""));
        Assert.Equal(6, bad.Count);
        string[] expected =
        [
            "$.courier_id: 0 is below 1", "$.courier_type: \"Foot\" is not one of", "$.regions[0]: null",
            "$.working_hours[0]: \"9:00-18:00\" does not match", "$.working_hours[0]: \"9:00-18:00\" is shorter", "$: property x",
        ];
        Assert.All(expected, e => Assert.Contains(bad, p => p.StartsWith(e, StringComparison.Ordinal)));
        Assert.Contains(shape.Check(shape.Document["components"]!["schemas"]!["NewOrder"]!, JsonNode.Parse(
            """{"order_id": 1, "weight": 5.005, "region": 1, "delivery_hours": []}""")), p => p.Contains("multiple of"));
    }

    private static JsonNode MoveId(JsonNode element)
    {
        var moved = element.DeepClone().AsObject();
        var id = moved.ContainsKey("order_id") ? "order_id" : "courier_id";
        moved[id] = (long)moved[id]! + 100;
        return moved;
    }

    private static JsonNode Example(OpenApiShape shape, string method, string path, string mediaType) =>
        shape.Document["paths"]![path]![method]!["requestBody"]!["content"]![mediaType]!["example"]
            ?? throw new Xunit.Sdk.XunitException($"{method} {path} has no {mediaType} example");

    /// <summary>Sends the operation's example as it stands (the path's parameters from their examples).</summary>
    private async Task<JsonNode> SendExampleAsync(OpenApiShape shape, string method, string path, HttpStatusCode expected)
    {
        var operation = shape.Document["paths"]![path]![method]!;
        var example = Example(shape, method, path, "application/json");
        var body = operation["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.Empty(shape.Check(body, example));

        var concrete = path;
        foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
        {
            if ((string)parameter!["in"]! == "path")
            {
                concrete = concrete.Replace("{" + (string)parameter["name"]! + "}", parameter["example"]!.ToJsonString(), StringComparison.Ordinal);
            }
        }

        return await SendDocumentedAsync(shape, method, path, concrete, example.ToJsonString(), expected);
    }

    private async Task<JsonNode> SendDocumentedAsync(
        OpenApiShape shape, string method, string documented, string path, string body, HttpStatusCode expected, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await _client.SendAsync(request);
        return Documented(shape, method, documented, await Reply.ReadAsync(response), expected);
    }

    private async Task<JsonNode> GetDocumentedAsync(OpenApiShape shape, string documented, string path, HttpStatusCode expected) =>
        Documented(shape, "get", documented, await GetAsync(path), expected);

    private async Task<Reply> GetAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        return await Reply.ReadAsync(response);
    }

    /// <summary>Asserts the status, and that the body fits the schema the document gives that status (or default).</summary>
    private static JsonNode Documented(OpenApiShape shape, string method, string documented, Reply reply, HttpStatusCode expected)
    {
        var json = reply.Expect(expected);
        var responses = shape.Document["paths"]![documented]![method]!["responses"]!;
        var response = responses[((int)expected).ToString(System.Globalization.CultureInfo.InvariantCulture)] ?? responses["default"]!;
        var problems = shape.Check(Schema(response), json);
        Assert.True(problems.Count == 0, $"{method} {documented} {(int)expected}: {string.Join("; ", problems)}\n{reply.Body}");
        return json;
    }

    private static JsonNode Schema(JsonNode response) => response["content"]!["application/json"]!["schema"]!;

    private static IEnumerable<string> Properties(OpenApiShape shape, JsonNode response) =>
        shape.Resolve(Schema(response))["properties"]!.AsObject().Select(p => p.Key);

    private static IEnumerable<string> Required(JsonNode schema) =>
        (schema["required"]?.AsArray() ?? []).Select(r => (string)r!).Order();

    private static IEnumerable<(string Path, JsonNode Operation, string Method)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (p.Key, o.Value!, o.Key)));
}
