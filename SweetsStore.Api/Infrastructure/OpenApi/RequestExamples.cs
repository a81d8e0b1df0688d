using System.Text.Json.Nodes;
using NodaTime;
using NodaTime.Text;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>
/// The request examples of the OpenAPI document. Sent in this order to an empty database, each one succeeds as it
/// stands: three couriers and three orders (the original task's), courier 2 gets order 3, delivers it, then serves
/// other regions; the background imports bring couriers and orders with other ids. The couriers and orders are the
/// original task's example verbatim (its car courier has no working hours, so it is stored and handed nothing).
/// </summary>
public sealed class RequestExamples(IClock clock)
{
    /// <summary>How long after the document was generated the complete example delivers.</summary>
    public static readonly Duration DeliveryAfter = Duration.FromMinutes(10);

    private static readonly Dictionary<string, string> JsonExamples = new()
    {
        [Key("POST", "couriers")] = """
            {"data": [
              {"courier_id": 1, "courier_type": "foot", "regions": [1, 12, 22], "working_hours": ["11:35-14:05", "09:00-11:00"]},
              {"courier_id": 2, "courier_type": "bike", "regions": [22], "working_hours": ["09:00-18:00"]},
              {"courier_id": 3, "courier_type": "car", "regions": [12, 22, 23, 33], "working_hours": []}
            ]}
            """,
        [Key("POST", "orders")] = """
            {"data": [
              {"order_id": 1, "weight": 0.23, "region": 12, "delivery_hours": ["09:00-18:00"]},
              {"order_id": 2, "weight": 15, "region": 1, "delivery_hours": ["09:00-18:00"]},
              {"order_id": 3, "weight": 0.01, "region": 22, "delivery_hours": ["09:00-12:00", "16:00-21:30"]}
            ]}
            """,
        [Key("PATCH", "couriers/{courier_id}")] = """{"regions": [11, 33, 2]}""",
        [Key("POST", "orders/assign")] = """{"courier_id": 2}""",
        [Key("POST", "imports/couriers")] = """
            {"data": [
              {"courier_id": 4, "courier_type": "bike", "regions": [1, 2], "working_hours": ["22:00-02:00"]},
              {"courier_id": 5, "courier_type": "car", "regions": [33], "working_hours": ["06:00-10:00", "17:00-23:00"]}
            ]}
            """,
        [Key("POST", "imports/orders")] = """
            {"data": [
              {"order_id": 4, "weight": 4.5, "region": 1, "delivery_hours": ["23:00-01:00"]},
              {"order_id": 5, "weight": 12.25, "region": 33, "delivery_hours": ["07:30-09:30"]},
              {"order_id": 6, "weight": 50, "region": 2, "delivery_hours": ["00:00-23:59"]}
            ]}
            """,
    };

    /// <summary>The key of an operation's example: <c>POST orders/assign</c>.</summary>
    public static string Key(string? method, string? relativePath) => $"{method?.ToUpperInvariant()} {relativePath}";

    /// <summary>The JSON body example of an operation, or null.</summary>
    public JsonNode? Json(string key)
    {
        if (key == Key("POST", "orders/complete"))
        {
            // complete_time must not be earlier than the bundle's assign_time, which is "now" when the assign is
            // sent: so the example delivers a little after the document was generated.
            var deliveredAt = clock.GetCurrentInstant().Plus(DeliveryAfter);
            var seconds = Instant.FromUnixTimeSeconds(deliveredAt.ToUnixTimeSeconds());
            return new JsonObject
            {
                ["courier_id"] = 2,
                ["order_id"] = 3,
                ["complete_time"] = InstantPattern.General.Format(seconds),
            };
        }

        return JsonExamples.TryGetValue(key, out var json) ? JsonNode.Parse(json) : null;
    }

    /// <summary>The NDJSON body example of a background import: its JSON example's elements, one per line.</summary>
    public JsonNode? NdJson(string key) =>
        Json(key)?["data"] is JsonArray data
            ? JsonValue.Create(string.Join("\n", data.Select(e => e!.ToJsonString())) + "\n")
            : null;
}
