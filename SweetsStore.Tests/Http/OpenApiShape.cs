using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Checks a JSON value against a schema of an OpenAPI 3.0 document: the keywords our document uses ($ref, allOf, type,
/// nullable, enum, format date-time, pattern, length, range, multipleOf, items, properties, required,
/// additionalProperties). Returns every violation, each with its JSON path; none means the value fits.
/// </summary>
public sealed class OpenApiShape(JsonNode document)
{
    private static readonly Regex DateTime = new(
        @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant);

    public JsonNode Document { get; } = document;

    /// <summary>The schema a <c>$ref</c> names, or the schema itself.</summary>
    public JsonNode Resolve(JsonNode schema)
    {
        while (schema["$ref"] is { } reference)
        {
            var name = ((string)reference!).Replace("#/components/schemas/", "", StringComparison.Ordinal);
            schema = Document["components"]!["schemas"]![name] ?? throw new InvalidOperationException($"no schema {name}");
        }

        return schema;
    }

    public List<string> Check(JsonNode schema, JsonNode? value, string path = "$")
    {
        var problems = new List<string>();
        Walk(Resolve(schema), value, path, problems);
        return problems;
    }

    private void Walk(JsonNode schema, JsonNode? value, string path, List<string> problems)
    {
        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true)
            {
                problems.Add($"{path}: null, but the schema is not nullable");
            }

            return;
        }

        var type = (string?)schema["type"];
        var kind = value.GetValueKind();
        var typeFits = type switch
        {
            null => true,
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "number" => kind == JsonValueKind.Number,
            "integer" => kind == JsonValueKind.Number && decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d),
            _ => false,
        };
        if (!typeFits)
        {
            problems.Add($"{path}: {value.ToJsonString()} is not of type {type}");
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            problems.Add($"{path}: {value.ToJsonString()} is not one of {allowed.ToJsonString()}");
        }

        foreach (var part in schema["allOf"]?.AsArray() ?? [])
        {
            Walk(Resolve(part!), value, path, problems);
        }

        switch (kind)
        {
            case JsonValueKind.String:
                CheckString(schema, (string)value!, path, problems);
                break;
            case JsonValueKind.Number:
                CheckNumber(schema, decimal.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture), path, problems);
                break;
            case JsonValueKind.Array:
                CheckArray(schema, value.AsArray(), path, problems);
                break;
            case JsonValueKind.Object:
                CheckObject(schema, value.AsObject(), path, problems);
                break;
        }
    }

    private static void CheckString(JsonNode schema, string text, string path, List<string> problems)
    {
        if (schema["pattern"] is { } pattern && !Regex.IsMatch(text, (string)pattern!, RegexOptions.CultureInvariant))
        {
            problems.Add($"{path}: \"{text}\" does not match {pattern}");
        }

        if ((string?)schema["format"] == "date-time" && !DateTime.IsMatch(text))
        {
            problems.Add($"{path}: \"{text}\" is not a date-time");
        }

        if (schema["minLength"] is { } min && text.Length < (int)min)
        {
            problems.Add($"{path}: \"{text}\" is shorter than {min}");
        }

        if (schema["maxLength"] is { } max && text.Length > (int)max)
        {
            problems.Add($"{path}: \"{text}\" is longer than {max}");
        }
    }

    private static void CheckNumber(JsonNode schema, decimal number, string path, List<string> problems)
    {
        if (schema["minimum"] is { } min && number < (decimal)min)
        {
            problems.Add($"{path}: {number} is below {min}");
        }

        if (schema["maximum"] is { } max && number > (decimal)max)
        {
            problems.Add($"{path}: {number} is above {max}");
        }

        if (schema["multipleOf"] is { } step && number % (decimal)step != 0)
        {
            problems.Add($"{path}: {number} is not a multiple of {step}");
        }

        var format = (string?)schema["format"];
        if ((format == "int32" && number is < int.MinValue or > int.MaxValue) || (format == "int64" && number is < long.MinValue or > long.MaxValue))
        {
            problems.Add($"{path}: {number} does not fit {format}");
        }
    }

    private void CheckArray(JsonNode schema, JsonArray items, string path, List<string> problems)
    {
        if (schema["minItems"] is { } min && items.Count < (int)min)
        {
            problems.Add($"{path}: fewer than {min} items");
        }

        if (schema["maxItems"] is { } max && items.Count > (int)max)
        {
            problems.Add($"{path}: more than {max} items");
        }

        if (schema["items"] is { } itemSchema)
        {
            for (var i = 0; i < items.Count; i++)
            {
                Walk(Resolve(itemSchema), items[i], $"{path}[{i}]", problems);
            }
        }
    }

    private void CheckObject(JsonNode schema, JsonObject value, string path, List<string> problems)
    {
        foreach (var required in schema["required"]?.AsArray() ?? [])
        {
            if (!value.ContainsKey((string)required!))
            {
                problems.Add($"{path}: required property {required} is missing");
            }
        }

        var properties = schema["properties"]?.AsObject();
        var additional = schema["additionalProperties"];
        foreach (var (name, child) in value)
        {
            if (properties?[name] is { } propertySchema)
            {
                Walk(Resolve(propertySchema), child, $"{path}.{name}", problems);
            }
            else if (additional is JsonValue allowed && allowed.GetValueKind() == JsonValueKind.False)
            {
                problems.Add($"{path}: property {name} is not in the schema");
            }
            else if (additional is JsonObject additionalSchema)
            {
                Walk(Resolve(additionalSchema), child, $"{path}[\"{name}\"]", problems);
            }
        }
    }
}
