using System.Globalization;
using System.Text.Json;
using NodaTime;
using SweetsStore.Domain;

namespace SweetsStore.Api.Contracts;

/// <summary>Size limits on request content (configuration section <c>Limits</c>).</summary>
public sealed class InputLimits
{
    /// <summary>Most elements in one import's <c>data</c>.</summary>
    public int MaxImportItems { get; set; } = 1_000_000;

    /// <summary>Most regions or time windows in one courier or order.</summary>
    public int MaxListItems { get; set; } = 1_000;
}

/// <summary>What a PATCH asks to change; null members stay as they are.</summary>
public sealed record CourierChanges(CourierType? Type, int[]? Regions, Schedule? WorkingHours);

/// <summary>
/// Turns request JSON into validated domain input, or throws <see cref="ContractValidationException"/> listing
/// every problem. Nothing is bound by reflection: strict types and per-element reports need the raw JSON.
/// </summary>
public static class Requests
{
    private static readonly JsonFields CourierFields = new("courier_id", "courier_type", "regions", "working_hours");
    private static readonly JsonFields OrderFields = new("order_id", "weight", "region", "delivery_hours");
    private static readonly JsonFields PatchFields = new("courier_type", "regions", "working_hours");
    private static readonly JsonFields AssignFields = new("courier_id");
    private static readonly JsonFields CompleteFields = new("courier_id", "order_id", "complete_time");
    private static readonly JsonFields ImportFields = new("data");

    public static IReadOnlyList<NewCourier> Couriers(JsonDocument? body, InputLimits limits) =>
        Import(body, limits, "couriers", (JsonElement e, JsonElement[] slots, ref FieldErrors? errors, out long? id) =>
        {
            CourierFields.Collect(e, slots, ref errors);
            id = JsonFields.ReadId(slots[0], "courier_id", ref errors);
            var type = JsonFields.ReadCourierType(slots[1], "courier_type", required: true, ref errors);
            var regions = JsonFields.ReadRegions(slots[2], "regions", required: true, limits.MaxListItems, ref errors);
            var hours = JsonFields.ReadSchedule(slots[3], "working_hours", required: true, limits.MaxListItems, ref errors);
            return errors is null ? new NewCourier(id!.Value, type!.Value, regions!, hours!) : null;
        }, CourierFields.Names.Length, c => c.Id);

    public static IReadOnlyList<NewOrder> Orders(JsonDocument? body, InputLimits limits) =>
        Import(body, limits, "orders", (JsonElement e, JsonElement[] slots, ref FieldErrors? errors, out long? id) =>
        {
            OrderFields.Collect(e, slots, ref errors);
            id = JsonFields.ReadId(slots[0], "order_id", ref errors);
            var weight = JsonFields.ReadWeight(slots[1], "weight", ref errors);
            var region = JsonFields.ReadRegion(slots[2], "region", ref errors);
            var hours = JsonFields.ReadSchedule(slots[3], "delivery_hours", required: true, limits.MaxListItems, ref errors);
            return errors is null ? new NewOrder(id!.Value, weight!.Value, region!.Value, hours!) : null;
        }, OrderFields.Names.Length, o => o.Id);

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
    public static long PathId(string text, string field) =>
        text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id >= 1
            ? id
            : throw ContractValidationException.Field(field, Messages.Id);

    private delegate T? ElementParser<T>(JsonElement element, JsonElement[] slots, ref FieldErrors? errors, out long? id);

    private static IReadOnlyList<T> Import<T>(
        JsonDocument? body, InputLimits limits, string collection, ElementParser<T> parse, int fieldCount, Func<T, long> idOf)
        where T : class
    {
        if (body is null || body.RootElement.ValueKind != JsonValueKind.Object
            || !body.RootElement.TryGetProperty("data"u8, out var data) || data.ValueKind == JsonValueKind.Null)
        {
            throw ContractValidationException.Field("data", Messages.Required);
        }

        FieldErrors? topErrors = null;
        ImportFields.Collect(body.RootElement, new JsonElement[1], ref topErrors);
        if (data.ValueKind != JsonValueKind.Array)
        {
            (topErrors ??= new()).Add("data", Messages.Array);
        }
        else if (data.GetArrayLength() > limits.MaxImportItems)
        {
            (topErrors ??= new()).Add("data", string.Format(CultureInfo.InvariantCulture, Messages.TooMany, limits.MaxImportItems));
        }

        ThrowIfAny(topErrors);

        var items = new List<T>(data.GetArrayLength());
        var seen = new HashSet<long>(data.GetArrayLength());
        List<ElementError>? bad = null;
        var slots = new JsonElement[fieldCount];
        var index = 0;
        foreach (var element in data.EnumerateArray())
        {
            FieldErrors? errors = null;
            long? id = null;
            T? item = null;
            if (element.ValueKind != JsonValueKind.Object)
            {
                errors = FieldErrors.Of("data[" + index.ToString(CultureInfo.InvariantCulture) + "]", Messages.Object);
            }
            else
            {
                item = parse(element, slots, ref errors, out id);
            }

            if (id is { } known && !seen.Add(known))
            {
                (errors ??= new()).Add(collection == "couriers" ? "courier_id" : "order_id", Messages.DuplicateInBatch);
            }

            if (errors is not null)
            {
                (bad ??= []).Add(new ElementError(id, index, errors));
            }
            else
            {
                items.Add(item!);
            }

            index++;
        }

        if (bad is not null)
        {
            throw new ContractValidationException(collection, bad);
        }

        return items;
    }

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
