using System.Globalization;
using System.Text.Json;
using SweetsStore.Domain;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// Reads one JSON object against a fixed list of field names in a single pass: unknown and repeated names
/// are reported, known ones land in slots by position. Types are checked strictly by the readers below
/// (<c>"1"</c> is not an integer, <c>1.0</c> is not an id, <c>"Foot"</c> is not a courier type).
/// </summary>
internal sealed class JsonFields(params string[] names)
{
    private readonly byte[][] _utf8 = names.Select(n => System.Text.Encoding.UTF8.GetBytes(n)).ToArray();

    public string[] Names { get; } = names;

    /// <summary>Fills <paramref name="slots"/> (absent fields stay <see cref="JsonValueKind.Undefined"/>).</summary>
    public void Collect(JsonElement obj, JsonElement[] slots, ref FieldErrors? errors)
    {
        Array.Clear(slots);
        foreach (var property in obj.EnumerateObject())
        {
            var known = IndexOf(property);

            if (known < 0)
            {
                (errors ??= new()).Add(NameOf(property), Messages.UnknownField);
            }
            else if (slots[known].ValueKind != JsonValueKind.Undefined)
            {
                (errors ??= new()).Add(NameOf(property), Messages.RepeatedField);
            }
            else
            {
                slots[known] = property.Value;
            }
        }
    }

    private int IndexOf(JsonProperty property)
    {
        try
        {
            for (var i = 0; i < _utf8.Length; i++)
            {
                if (property.NameEquals(_utf8[i]))
                {
                    return i;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // A name with a lone surrogate escape matches nothing.
        }

        return -1;
    }

    /// <summary>TryGetProperty that treats undecodable names as not matching instead of throwing.</summary>
    public static bool TryGetProperty(JsonElement obj, ReadOnlySpan<byte> name, out JsonElement value)
    {
        try
        {
            return obj.TryGetProperty(name, out value);
        }
        catch (InvalidOperationException)
        {
            value = default;
            return false;
        }
    }

    /// <summary>
    /// A JSON string's text, or null when it is not a string or cannot be decoded (a lone surrogate escape such
    /// as <c>"\ud800"</c> is well-formed JSON but no valid text; reading it would throw).
    /// </summary>
    public static string? Text(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A property's name for an error report; undecodable names are shown as such.</summary>
    public static string NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return "(a field name that is not valid text)";
        }
    }

    /// <summary>
    /// True when the field is present and not null; otherwise records "is required" (if
    /// <paramref name="required"/>) or "must not be null".
    /// </summary>
    public static bool Present(JsonElement value, string field, bool required, ref FieldErrors? errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                if (required)
                {
                    (errors ??= new()).Add(field, Messages.Required);
                }

                return false;
            case JsonValueKind.Null:
                (errors ??= new()).Add(field, Messages.NotNull);
                return false;
            default:
                return true;
        }
    }

    /// <summary>An id: a JSON integer (no fraction, no exponent) from 1 to 2^63 − 1.</summary>
    public static bool TryId(JsonElement value, out long id)
    {
        id = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out id) && id >= 1;
    }

    /// <summary>A region: a JSON integer from 1 to 2^31 − 1.</summary>
    public static bool TryRegion(JsonElement value, out int region)
    {
        region = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out region) && region >= 1;
    }

    public static long? ReadId(JsonElement value, string field, ref FieldErrors? errors)
    {
        if (!Present(value, field, required: true, ref errors))
        {
            return null;
        }

        if (TryId(value, out var id))
        {
            return id;
        }

        (errors ??= new()).Add(field, Messages.Id);
        return null;
    }

    public static CourierType? ReadCourierType(JsonElement value, string field, bool required, ref FieldErrors? errors)
    {
        if (!Present(value, field, required, ref errors))
        {
            return null;
        }

        if (Text(value) is { } name && CourierTypes.TryParse(name, out var type))
        {
            return type;
        }

        (errors ??= new()).Add(field, Messages.CourierType);
        return null;
    }

    public static int? ReadRegion(JsonElement value, string field, ref FieldErrors? errors)
    {
        if (!Present(value, field, required: true, ref errors))
        {
            return null;
        }

        if (TryRegion(value, out var region))
        {
            return region;
        }

        (errors ??= new()).Add(field, Messages.Region);
        return null;
    }

    public static int[]? ReadRegions(JsonElement value, string field, bool required, int maxItems, ref FieldErrors? errors)
    {
        if (!Present(value, field, required, ref errors))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            (errors ??= new()).Add(field, Messages.IntegerList);
            return null;
        }

        var length = value.GetArrayLength();
        if (length > maxItems)
        {
            (errors ??= new()).Add(field, string.Format(CultureInfo.InvariantCulture, Messages.TooMany, maxItems));
            return null;
        }

        var regions = new int[length];
        var ok = true;
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (TryRegion(item, out var region))
            {
                regions[i] = region;
            }
            else
            {
                (errors ??= new()).Add($"{field}[{i}]", Messages.Region);
                ok = false;
            }

            i++;
        }

        return ok ? regions : null;
    }

    public static Schedule? ReadSchedule(JsonElement value, string field, bool required, int maxItems, ref FieldErrors? errors)
    {
        if (!Present(value, field, required, ref errors))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            (errors ??= new()).Add(field, Messages.IntervalList);
            return null;
        }

        var length = value.GetArrayLength();
        if (length == 0)
        {
            return Schedule.Empty; // valid, as in the original task: a courier or order with no hours
        }

        if (length > maxItems)
        {
            (errors ??= new()).Add(field, string.Format(CultureInfo.InvariantCulture, Messages.TooMany, maxItems));
            return null;
        }

        var windows = new TimeWindow[length];
        var texts = new string[length];
        var ok = true;
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (Text(item) is not { } text)
            {
                (errors ??= new()).Add($"{field}[{i}]", Messages.Interval);
                ok = false;
            }
            else if (!TimeWindow.TryParse(text, out windows[i], out var reason))
            {
                (errors ??= new()).Add($"{field}[{i}]", reason!);
                ok = false;
            }
            else
            {
                texts[i] = text;
            }

            i++;
        }

        return ok ? new Schedule(windows, texts) : null;
    }

    public static Weight? ReadWeight(JsonElement value, string field, ref FieldErrors? errors)
    {
        if (!Present(value, field, required: true, ref errors))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && Weight.TryParseOrderWeight(value.GetRawText(), out var weight))
        {
            return weight;
        }

        (errors ??= new()).Add(field, Messages.Weight);
        return null;
    }

    public static NodaTime.Instant? ReadTimestamp(JsonElement value, string field, ref FieldErrors? errors)
    {
        if (!Present(value, field, required: true, ref errors))
        {
            return null;
        }

        if (Text(value) is { } text && Rfc3339.TryParse(text, out var instant))
        {
            return instant;
        }

        (errors ??= new()).Add(field, Messages.Timestamp);
        return null;
    }
}
