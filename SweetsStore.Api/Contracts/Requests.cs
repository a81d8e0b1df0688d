using System.Globalization;
using System.Text.Json;
using NodaTime;
using SweetsStore.Domain;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// Turns request JSON into validated domain input, or throws <see cref="ContractValidationException"/> listing
/// every problem. Nothing is bound by reflection: strict types and per-element reports need the raw JSON.
/// </summary>
public static class Requests
{
    private static readonly JsonFields PatchFields = new("courier_type", "regions", "working_hours");
    private static readonly JsonFields AssignFields = new("courier_id");
    private static readonly JsonFields CompleteFields = new("courier_id", "order_id", "complete_time");

    public static CourierChanges CourierPatch(JsonDocument? body, InputLimits limits)
    {
        var root = RequireObject(body);
        var slots = new JsonElement[PatchFields.Names.Length];
        FieldErrors? errors = null;
        PatchFields.Collect(root, slots, ref errors);
        var type = JsonFields.ReadCourierType(slots[0], "courier_type", required: false, ref errors);
        var regions = JsonFields.ReadRegions(slots[1], "regions", required: false, limits.MaxListItems, ref errors);
        var hours = JsonFields.ReadSchedule(slots[2], "working_hours", required: false, limits.MaxListItems, ref errors);
        ThrowIfAny(errors);
        return new CourierChanges(type, regions, hours);
    }

    public static long AssignCourierId(JsonDocument? body)
    {
        var root = RequireObject(body);
        var slots = new JsonElement[AssignFields.Names.Length];
        FieldErrors? errors = null;
        AssignFields.Collect(root, slots, ref errors);
        var courierId = JsonFields.ReadId(slots[0], "courier_id", ref errors);
        ThrowIfAny(errors);
        return courierId!.Value;
    }

    public static (long CourierId, long OrderId, Instant CompleteTime) Complete(JsonDocument? body)
    {
        var root = RequireObject(body);
        var slots = new JsonElement[CompleteFields.Names.Length];
        FieldErrors? errors = null;
        CompleteFields.Collect(root, slots, ref errors);
        var courierId = JsonFields.ReadId(slots[0], "courier_id", ref errors);
        var orderId = JsonFields.ReadId(slots[1], "order_id", ref errors);
        var completeTime = JsonFields.ReadTimestamp(slots[2], "complete_time", ref errors);
        ThrowIfAny(errors);
        return (courierId!.Value, orderId!.Value, completeTime!.Value);
    }

    /// <summary>A path id (<c>/couriers/{courier_id}</c>): decimal digits for an integer ≥ 1 that fits 64 bits.</summary>
    public static long PathId(string? text, string field) =>
        text is { Length: > 0 and <= 19 } && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id >= 1
            ? id
            : throw ContractValidationException.Field(field, Messages.Id);

    private static JsonElement RequireObject(JsonDocument? body) =>
        body is { RootElement.ValueKind: JsonValueKind.Object }
            ? body.RootElement
            : throw ContractValidationException.Field("body", Messages.Object);

    private static void ThrowIfAny(FieldErrors? errors)
    {
        if (errors is not null)
        {
            throw new ContractValidationException(errors);
        }
    }
}
