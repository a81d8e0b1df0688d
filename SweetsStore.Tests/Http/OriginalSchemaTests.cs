using System.Net;
using System.Text.Json.Nodes;
using SweetsStore.Api.Contracts;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Our real responses on the classic endpoints, checked against the response schemas of the original task's
/// OpenAPI document ("Candy Delivery App", Yandex backend school 2021): field names, types, required fields and
/// no field the schema does not name. The schemas are test data (<see cref="OriginalSchemas"/>).
/// </summary>
public class OriginalSchemaTests(ApiFactory api) : DeliveryTest(api)
{
    [Fact]
    public async Task EveryClassicResponseOfASessionMatchesTheOriginalSchemas()
    {
        var checkedResponses = 0;

        async Task<JsonNode> Check(Reply reply, HttpStatusCode status, string schema)
        {
            var json = reply.Expect(status);
            var problems = OriginalSchemas.Validate(json, schema);
            Assert.True(problems.Count == 0, $"{schema}: {string.Join("; ", problems)} in {reply.Body}");
            checkedResponses++;
            return json;
        }

        await Check(await PostRawAsync("/couriers", EmptyListsTests.OriginalCouriers), HttpStatusCode.Created, "CouriersIds");
        await Check(await PostRawAsync("/orders", EmptyListsTests.OriginalOrders), HttpStatusCode.Created, "OrdersIds");
        await Check(await PostRawAsync("/couriers", """{"data": []}"""), HttpStatusCode.Created, "CouriersIds");
        await Check(await PostRawAsync("/orders", """{"data": []}"""), HttpStatusCode.Created, "OrdersIds");

        // Assign: a bundle (with assign_time), the same again, and nothing (without it).
        await Check(await PostAsync("/orders/assign", new { courier_id = 2 }), HttpStatusCode.OK, "OrdersAssignPostResponse");
        var again = await Check(await PostAsync("/orders/assign", new { courier_id = 2 }), HttpStatusCode.OK, "OrdersAssignPostResponse");
        Assert.NotNull(again["assign_time"]);
        var none = await Check(await PostAsync("/orders/assign", new { courier_id = 3 }), HttpStatusCode.OK, "OrdersAssignPostResponse");
        Assert.Null(none["assign_time"]);

        await Check(await CompleteAsync(2, 3, At(12)), HttpStatusCode.OK, "OrdersCompletePostResponse");
        await Check(await CompleteAsync(2, 3, At(12)), HttpStatusCode.OK, "OrdersCompletePostResponse");

        // Courier info with a rating (a finished paid bundle), without one, and with empty lists.
        var rated = await Check(await GetAsync("/couriers/2"), HttpStatusCode.OK, "CourierGetResponse");
        Assert.NotNull(rated["rating"]);
        await Check(await GetAsync("/couriers/1"), HttpStatusCode.OK, "CourierGetResponse");
        await Check(await GetAsync("/couriers/3"), HttpStatusCode.OK, "CourierGetResponse");

        await Check(await PatchRawAsync("/couriers/3", """{"working_hours": ["09:00-18:00"], "courier_type": "bike"}"""), HttpStatusCode.OK, "CourierItem");
        await Check(await PatchRawAsync("/couriers/1", """{"regions": []}"""), HttpStatusCode.OK, "CourierItem");
        await Check(await PatchRawAsync("/couriers/1", "{}"), HttpStatusCode.OK, "CourierItem");

        // 400s of the imports hold the list the original requires; of the others, the envelope.
        await Check(await PostRawAsync("/couriers", """{"data": [{"courier_id": 9, "courier_type": "boat", "regions": [], "working_hours": []}, 7]}"""), HttpStatusCode.BadRequest, "CouriersBadRequest");
        await Check(await PostRawAsync("/couriers", """{"data": [{"courier_id": 1 "courier_type": "foot"}]}"""), HttpStatusCode.BadRequest, "CouriersBadRequest");
        await Check(await PostRawAsync("/couriers", ""), HttpStatusCode.BadRequest, "CouriersBadRequest");
        await Check(await PostRawAsync("/orders", """{"data": [{"order_id": 1, "weight": 1, "region": 1, "delivery_hours": []}]}"""), HttpStatusCode.BadRequest, "OrdersBadRequest");
        await Check(await PostRawAsync("/orders", "[]"), HttpStatusCode.BadRequest, "OrdersBadRequest");
        await Check(await PatchRawAsync("/couriers/1", """{"regions": [0]}"""), HttpStatusCode.BadRequest, "BadRequest");
        await Check(await PostAsync("/orders/assign", new { courier_id = 404 }), HttpStatusCode.BadRequest, "BadRequest");
        await Check(await PostRawAsync("/orders/complete", "{"), HttpStatusCode.BadRequest, "BadRequest");

        Assert.Equal(23, checkedResponses);
    }

    [Theory]
    [InlineData("""{"couriers": [{"id": 1}], "extra": true}""", "CouriersIds", "extra")]
    [InlineData("""{"couriers": [{"id": "1"}]}""", "CouriersIds", "integer")]
    [InlineData("""{"couriers": [{}]}""", "CouriersIds", "id")]
    [InlineData("""{"orders": [], "assign_time": "10:00"}""", "OrdersAssignPostResponse", "date-time")]
    [InlineData("""{"courier_id": 1, "courier_type": "boat", "regions": [], "working_hours": [], "earnings": 0}""", "CourierGetResponse", "boat")]
    [InlineData("""{"courier_id": 1, "courier_type": "foot", "regions": [1.5], "working_hours": [], "earnings": 0}""", "CourierGetResponse", "integer")]
    [InlineData("""{"courier_id": 1, "courier_type": "foot", "regions": [], "working_hours": []}""", "CourierGetResponse", "earnings")]
    [InlineData("""{"validation_error": {"errors": {}}}""", "CouriersBadRequest", "couriers")]
    [InlineData("""{"validation_error": {"orders": []}, "detail": "x"}""", "OrdersBadRequest", "detail")]
    public void TheCheckRefusesWhatTheSchemasDoNotAllow(string json, string schema, string named)
    {
        var problems = OriginalSchemas.Validate(JsonNode.Parse(json), schema);

        Assert.Contains(problems, p => p.Contains(named, StringComparison.Ordinal));
    }
}

/// <summary>
/// The response schemas of the original task's OpenAPI document (openapi 3.0.0, "Candy Delivery App", version 1.0),
/// written out as test data, with a validator for the JSON Schema keywords they use.
/// </summary>
/// <remarks>
/// The success schemas are the document's (<c>CouriersIds</c>/<c>CourierId</c>, <c>OrdersIds</c>/<c>OrderId</c>,
/// <c>CourierItem</c> for PATCH, <c>CourierGetResponse</c>, the assign response as <c>OrdersIds</c> plus an optional
/// <c>assign_time</c> date-time, <c>OrdersCompletePostResponse</c>), and no field outside them is allowed. The
/// document's 400 of an import is <c>{"validation_error": CouriersIds}</c>: what it requires — the envelope alone
/// at the top and the list inside — is checked; the <c>errors</c> beside it and in each element, and <c>index</c> for
/// an element without a usable id, are this service's additions (contract section 2), allowed here. The other 400s
/// have no schema in the document; the contract's envelope is checked.
/// </remarks>
internal static class OriginalSchemas
{
    private static readonly JsonObject Schemas = JsonNode.Parse(
        """
        {
          "CourierId": {"type": "object", "additionalProperties": false, "required": ["id"], "properties": {"id": {"type": "integer"}}},
          "OrderId": {"type": "object", "additionalProperties": false, "required": ["id"], "properties": {"id": {"type": "integer"}}},
          "CouriersIds": {"type": "object", "additionalProperties": false, "required": ["couriers"],
            "properties": {"couriers": {"type": "array", "items": {"$ref": "CourierId"}}}},
          "OrdersIds": {"type": "object", "additionalProperties": false, "required": ["orders"],
            "properties": {"orders": {"type": "array", "items": {"$ref": "OrderId"}}}},
          "CourierItem": {"type": "object", "additionalProperties": false, "required": ["courier_id", "courier_type", "regions", "working_hours"],
            "properties": {
              "courier_id": {"type": "integer"},
              "courier_type": {"type": "string", "enum": ["foot", "bike", "car"]},
              "regions": {"type": "array", "items": {"type": "integer"}},
              "working_hours": {"type": "array", "items": {"type": "string"}}}},
          "CourierGetResponse": {"type": "object", "additionalProperties": false, "required": ["courier_id", "courier_type", "regions", "working_hours", "earnings"],
            "properties": {
              "courier_id": {"type": "integer"},
              "courier_type": {"type": "string", "enum": ["foot", "bike", "car"]},
              "regions": {"type": "array", "items": {"type": "integer"}},
              "working_hours": {"type": "array", "items": {"type": "string"}},
              "rating": {"type": "number"},
              "earnings": {"type": "integer"}}},
          "OrdersAssignPostResponse": {"type": "object", "additionalProperties": false, "required": ["orders"],
            "properties": {"orders": {"type": "array", "items": {"$ref": "OrderId"}}, "assign_time": {"type": "string", "format": "date-time"}}},
          "OrdersCompletePostResponse": {"type": "object", "additionalProperties": false, "required": ["order_id"], "properties": {"order_id": {"type": "integer"}}},
          "ElementError": {"type": "object", "required": ["errors"], "properties": {"id": {"type": "integer"}, "index": {"type": "integer"}, "errors": {"type": "object"}}},
          "CouriersBadRequest": {"type": "object", "additionalProperties": false, "required": ["validation_error"],
            "properties": {"validation_error": {"type": "object", "required": ["couriers"], "properties": {"couriers": {"type": "array", "items": {"$ref": "ElementError"}}}}}},
          "OrdersBadRequest": {"type": "object", "additionalProperties": false, "required": ["validation_error"],
            "properties": {"validation_error": {"type": "object", "required": ["orders"], "properties": {"orders": {"type": "array", "items": {"$ref": "ElementError"}}}}}},
          "BadRequest": {"type": "object", "additionalProperties": false, "required": ["validation_error"],
            "properties": {"validation_error": {"type": "object", "additionalProperties": false, "required": ["errors"], "properties": {"errors": {"type": "object"}}}}}
        }
        """)!.AsObject();

    /// <summary>Every way <paramref name="json"/> breaks the named schema (empty when it fits).</summary>
    public static List<string> Validate(JsonNode? json, string schema)
    {
        var problems = new List<string>();
        Check(json, Schemas[schema]!.AsObject(), "$", problems);
        return problems;
    }

    private static void Check(JsonNode? node, JsonObject schema, string path, List<string> problems)
    {
        if (schema["$ref"] is { } reference)
        {
            Check(node, Schemas[(string)reference!]!.AsObject(), path, problems);
            return;
        }

        var type = (string?)schema["type"];
        var kind = node?.GetValueKind();
        var fits = type switch
        {
            "object" => kind == System.Text.Json.JsonValueKind.Object,
            "array" => kind == System.Text.Json.JsonValueKind.Array,
            "string" => kind == System.Text.Json.JsonValueKind.String,
            "number" => kind == System.Text.Json.JsonValueKind.Number,
            "integer" => kind == System.Text.Json.JsonValueKind.Number && node!.AsValue().TryGetValue<long>(out _) && !node.ToJsonString().Contains('.'),
            _ => true,
        };
        if (!fits)
        {
            problems.Add($"{path} is not {(type == "integer" ? "an" : "a")} {type}: {node?.ToJsonString() ?? "null"}");
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            problems.Add($"{path} = {node!.ToJsonString()} is not one of {allowed.ToJsonString()}");
        }

        if ((string?)schema["format"] == "date-time" && !Rfc3339.TryParse((string)node!, out _))
        {
            problems.Add($"{path} is not a date-time: {node!.ToJsonString()}");
        }

        if (node is JsonArray array && schema["items"] is JsonObject items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(array[i], items, $"{path}[{i}]", problems);
            }
        }

        if (node is not JsonObject obj)
        {
            return;
        }

        var properties = schema["properties"]?.AsObject();
        foreach (var required in schema["required"]?.AsArray() ?? [])
        {
            if (!obj.ContainsKey((string)required!))
            {
                problems.Add($"{path} lacks the required field {(string)required!}");
            }
        }

        foreach (var (name, value) in obj)
        {
            if (properties?[name] is JsonObject property)
            {
                Check(value, property, $"{path}.{name}", problems);
            }
            else if (schema["additionalProperties"] is JsonValue extra && !(bool)extra)
            {
                problems.Add($"{path} has a field the schema does not name: {name}");
            }
        }
    }
}
