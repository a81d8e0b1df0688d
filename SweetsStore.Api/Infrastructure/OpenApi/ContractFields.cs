using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using SweetsStore.Api.Contracts;
using SweetsStore.Domain;
using static SweetsStore.Api.Infrastructure.OpenApi.RequestSchemas;

namespace SweetsStore.Api.Infrastructure.OpenApi;

/// <summary>
/// The contract's fields as the OpenAPI document states them: type, range, pattern or allowed values, a description
/// and an example. The contract defines its fields by name (a <c>courier_type</c>, an interval, a <c>weight</c> mean
/// the same in every body, request or answer, and as a path or query parameter), so they are looked up by their JSON
/// name; the few names that mean different things in different objects (<c>status</c>) are looked up with the object.
/// Numbers that are rules (capacities, coefficients, pay, limits) come from where the rules live.
/// </summary>
public sealed class ContractFields
{
    /// <summary>The contract's interval: <c>HH:MM-HH:MM</c>, 24-hour clock, two digits each.</summary>
    public const string IntervalPattern = "^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$";

    private readonly Dictionary<string, Field> _byName = [];
    private readonly Dictionary<(Type Owner, string Name), Field> _byOwner = [];
    private readonly Dictionary<string, Field> _parameters = [];

    public ContractFields(IOptions<InputLimits> options)
    {
        var limits = options.Value;
        var interval = new Field(
            s => Text(s, pattern: IntervalPattern, minLength: 11, maxLength: 11),
            "An interval \"HH:MM-HH:MM\" of local time of day (24-hour clock, two digits each, no seconds). Half-open, " +
            "[start, end): \"09:00-11:00\" and \"11:00-12:00\" do not meet. An end earlier than the start crosses midnight " +
            "(\"22:00-02:00\"); equal ends are invalid, and so is \"24:00\".",
            "09:00-18:00");

        Add("courier_id", Id("The courier's id, an integer ≥ 1 chosen by the shop.", 2));
        Add("order_id", Id("The order's id, an integer ≥ 1 chosen by the shop.", 3));
        Add("import_id", Id("The background import's id, given by the service.", 1));
        Add("courier_type", Enum(
            CourierTypes.Names,
            "How the courier travels; it fixes how much the courier carries at once and what a finished bundle pays: " +
            string.Join(", ", System.Enum.GetValues<CourierType>().Select(t =>
                $"{t.ToContractName()} carries at most {Kilograms(t.Capacity())} kg, earnings coefficient {t.Coefficient()}")) +
            ". Exactly these lower-case strings.",
            "foot"));
        Add("regions", new Field(
            s => Array(s, limits.MaxListItems, Region()),
            $"Regions the courier serves: integers from 1 to {int.MaxValue}, at most {limits.MaxListItems}. Empty is valid: " +
            "such a courier is handed nothing.",
            new JsonArray(1, 12, 22)));
        Add("region", new Field(
            s => Copy(Region(), s),
            $"The region the order is delivered in, an integer from 1 to {int.MaxValue}.",
            12));
        Add("working_hours", new Field(
            s => Array(s, limits.MaxListItems, interval.Schema()),
            "When the courier works: intervals \"HH:MM-HH:MM\", half-open, an end earlier than the start crossing midnight; " +
            $"at most {limits.MaxListItems}. Empty is valid: such a courier is handed nothing.",
            new JsonArray("09:00-18:00")));
        Add("delivery_hours", new Field(
            s => Array(s, limits.MaxListItems, interval.Schema()),
            "When the order may be delivered: intervals \"HH:MM-HH:MM\", half-open, an end earlier than the start crossing " +
            $"midnight; at most {limits.MaxListItems}. Empty is valid: such an order is stored, stays pending and is never assigned.",
            new JsonArray("09:00-12:00", "16:00-21:30")));
        Add("weight", new Field(
            s =>
            {
                s.Type = JsonSchemaType.Number;
                s.Format = null;
                s.Minimum = Number(Kilograms(Weight.MinOrder));
                s.Maximum = Number(Kilograms(Weight.MaxOrder));
                s.MultipleOf = 0.01m;
            },
            $"Weight in kg, from {Kilograms(Weight.MinOrder)} to {Kilograms(Weight.MaxOrder)} inclusive, at most two decimals " +
            "(5.005 is refused; 5.50 and 5e0 are 5.5 and 5).",
            0.23m));
        Add("complete_time", Timestamp(
            "When the order was delivered. In a request: RFC 3339 with seconds and an offset (\"Z\" or \"±HH:MM\"), a fraction " +
            "optional, not earlier than the bundle's assign_time; kept to the microsecond. Answers are in UTC (\"Z\")."));
        Add("assign_time", Timestamp(
            "When the bundle was handed out, in UTC to the microsecond. A repeated assign answers the very same string."));
        Add("rating", new Field(
            s =>
            {
                s.Type = JsonSchemaType.Number;
                s.Format = null;
                s.Minimum = "0";
                s.Maximum = "5";
                s.MultipleOf = 0.01m;
            },
            "From 0 to 5, two decimals; present once the courier has a finished bundle with at least one delivery. " +
            "A delivery takes its complete_time minus the previous delivery's in the same bundle (the bundle's assign_time " +
            "for the first); t is the smallest of the per-region averages, in seconds; rating = (3600 − min(t, 3600)) / 3600 × 5, " +
            "rounded half away from zero. Every delivery counts, also those of an open bundle.",
            4.17m));
        Add("earnings", new Field(
            s => Integer(s, "int64", minimum: "0"),
            $"{BundleRules.PayUnit} × C summed over the courier's finished bundles with at least one delivery, C being the " +
            "earnings coefficient of the courier's type when the bundle was assigned (" +
            string.Join(", ", System.Enum.GetValues<CourierType>().Select(t => $"{t.ToContractName()} {t.Coefficient()}")) + "). " +
            "A bundle is finished when none of its orders is open: each delivered, or released back to the pool by a PATCH. 0 when none.",
            BundleRules.PayUnit * CourierType.Bike.Coefficient()));
        Add("id", Id("An id.", 1));
        Add("index", new Field(
            s => Integer(s, "int32", minimum: "0"),
            "The element's position in data, counted from 0; given instead of id when the element has no usable id.",
            3));
        Add("errors", new Field(
            s =>
            {
                s.Type = JsonSchemaType.Object;
                s.AdditionalProperties = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    MinItems = 1,
                    Items = new OpenApiSchema { Type = JsonSchemaType.String },
                };
            },
            "Human-readable messages by field path: a field (\"courier_id\"), an element of a list (\"regions[1]\"), " +
            "\"data\" or \"data[5]\" for the list itself, \"body\" for the body as a whole (not JSON: the message says where). " +
            "Every problem found is listed.",
            new JsonObject { ["regions[1]"] = new JsonArray(Messages.Region) }));
        Add("offset", new Field(s => Integer(s, "int32", minimum: "0"), "How many items to skip (0 when absent).", 0));
        Add("limit", new Field(
            s => Integer(s, "int32", minimum: "1", maximum: Queries.MaxLimit.ToString(CultureInfo.InvariantCulture)),
            $"Most items in the page, from 1 to {Queries.MaxLimit} (100 when absent).",
            100));
        Add("next_offset", new Field(
            s => Integer(s, "int32", minimum: "0"),
            "The offset of the next page; null on the last page.",
            null));
        Add("from", Timestamp("Start of the period, inclusive (RFC 3339). Given together with to."));
        Add("to", Timestamp("End of the period, exclusive (RFC 3339), not earlier than from. Given together with from."));

        _parameters.Add("status", Enum(
            ["pending", "assigned", "completed"],
            "Only orders with this status: pending (in the pool), assigned (in an open bundle, not delivered), completed (delivered).",
            "pending"));
        _parameters.Add("format", Enum(
            ["json", "ndjson"],
            "How to read the body: json ({\"data\": [...]}) or ndjson (one element per line). Without it, an NDJSON " +
            "Content-Type (application/x-ndjson) means ndjson and any other means json.",
            "json"));

        Add(typeof(OrderResponse), "status", Enum(
            ["pending", "assigned", "completed"],
            "pending: in the pool, not assigned; assigned: in a courier's open bundle, not delivered; completed: delivered.",
            "assigned"));
        Add(typeof(OrderResponse), "courier_id", Id("The courier the order is or was assigned to; absent while pending.", 2));
        Add(typeof(OrderResponse), "assign_time", Timestamp("When the order's bundle was handed out (UTC); absent while pending."));
        Add(typeof(OrderResponse), "complete_time", Timestamp("When the order was delivered (UTC); present once completed."));
        Add(typeof(AssignResponse), "assign_time", Timestamp(
            "When the bundle was handed out, in UTC to the microsecond; a repeated assign answers the very same string. " +
            "Absent when no orders were assigned."));
        Add(typeof(ImportResponse), "status", Enum(
            ["queued", "running", "succeeded", "failed"],
            "queued: stored, waiting for a worker; running: being validated and loaded; succeeded: every row stored; " +
            "failed: nothing stored (see error and report).",
            "succeeded"));
        Add(typeof(ImportResponse), "kind", Enum(["orders", "couriers"], "What the import loads.", "orders"));
        Add(typeof(ImportResponse), "format", Enum(["json", "ndjson"], "How the body was read.", "json"));
        Add(typeof(ImportResponse), "progress", new Field(
            s =>
            {
                s.Type = JsonSchemaType.Number;
                s.Format = null;
                s.Minimum = "0";
                s.Maximum = "1";
            },
            "rows_done / rows_total, from 0 to 1 (1 once succeeded).",
            1));
        Add(typeof(ImportResponse), "report", new Field(
            s =>
            {
                s.Type = JsonSchemaType.Object;
                s.AdditionalPropertiesAllowed = true;
            },
            "Present when the import was refused (only in GET /imports/{import_id}; GET /imports leaves it out): the " +
            "{\"validation_error\": …} envelope a synchronous import answers with, listing the invalid elements — the first " +
            "1000 when there are more (then report_truncated is true; rows_invalid counts them all). In an NDJSON import each " +
            "element also names its line (from 1, blank lines counted) besides its id or index.",
            null));
        Add(typeof(ImportResponse), "report_truncated", new Field(
            s => s.Type = JsonSchemaType.Boolean,
            "With a report: true when it lists fewer invalid elements than rows_invalid counts (it keeps the first 1000).",
            false));
        Add(typeof(ImportResponse), "rows_total", Count("Elements in the body, counted as it was stored."));
        Add(typeof(ImportResponse), "rows_done", Count("Elements validated and loaded so far (all of them once succeeded)."));
        Add(typeof(ImportResponse), "rows_invalid", Count("Invalid elements found (all are counted; the report lists the first ones)."));
        Add(typeof(ImportResponse), "bytes", Count("Size of the stored body in bytes."));
        Add(typeof(ImportResponse), "attempts", new Field(
            s => Integer(s, "int32", minimum: "0"),
            "How many times a worker has started on the import (a failed attempt is retried after a pause, up to a configured number).",
            1));
        Add(typeof(ImportResponse), "created_at", Timestamp("When the body was stored (UTC)."));
        Add(typeof(ImportResponse), "started_at", Timestamp("When a worker first started on it (UTC); absent while queued."));
        Add(typeof(ImportResponse), "finished_at", Timestamp("When it succeeded or failed (UTC); absent until then."));
        Add(typeof(ImportResponse), "duration_seconds", new Field(
            s =>
            {
                s.Type = JsonSchemaType.Number;
                s.Format = null;
                s.Minimum = "0";
            },
            "finished_at − started_at in seconds; absent until finished.",
            1.234m));
        Add(typeof(ImportResponse), "error", new Field(s => Text(s), "Why it failed; absent unless failed.", "1 orders invalid; nothing was stored"));
        Add(typeof(CourierImport), "data", List($"The couriers, at most {limits.MaxImportItems:N0} (an empty list imports nothing)."));
        Add(typeof(OrderImport), "data", List($"The orders, at most {limits.MaxImportItems:N0} (an empty list imports nothing)."));
        Add(typeof(CouriersCreated), "couriers", List("The ids of the imported couriers, in request order."));
        Add(typeof(OrdersCreated), "orders", List("The ids of the imported orders, in request order."));
        Add(typeof(AssignResponse), "orders", List(
            "The bundle's orders not yet delivered: a new bundle, or the courier's open one again; empty when nothing fits."));
        Add(typeof(CourierPage), "couriers", List("The couriers of this page, by id."));
        Add(typeof(OrderPage), "orders", List("The orders of this page, by id."));
        Add(typeof(ImportPage), "imports", List("The imports of this page, newest first."));
        Add(typeof(RegionsResponse), "regions", List("The regions with the most pending orders, most first (ties by region number)."));
        Add(typeof(RegionsResponse), "regions_with_pending", Count("How many regions have any pending order."));
        Add(typeof(RegionResponse), "pending", Count("The region's pending orders."));
        Add(typeof(RegionResponse), "weight", new Field(
            s =>
            {
                s.Type = JsonSchemaType.Number;
                s.Format = null;
                s.Minimum = "0";
                s.MultipleOf = 0.01m;
            },
            "The total weight of the region's pending orders in kg (two decimals at most).",
            24.5m));
        Add(typeof(StaleBundlesResponse), "bundles", List("The oldest open bundles past the age, oldest first."));
        Add(typeof(StaleBundlesResponse), "total", Count("How many open bundles are past the age in all."));
        Add(typeof(StaleBundleResponse), "orders", Count("The bundle's orders."));
        Add(typeof(StaleBundleResponse), "open_orders", Count("Its orders not yet delivered."));
        Add(typeof(ErrorSchemas.CourierImportErrorDetail), "couriers", List(
            "Every invalid courier, in request order; empty when the body as a whole is wrong (see errors)."));
        Add(typeof(ErrorSchemas.OrderImportErrorDetail), "orders", List(
            "Every invalid order, in request order; empty when the body as a whole is wrong (see errors)."));
        Add(typeof(ErrorResponse), "title", new Field(s => Text(s), "The HTTP status's reason phrase.", "Not Found"));
        Add(typeof(ErrorResponse), "detail", new Field(s => Text(s), "What went wrong, for a person.", "no courier has id 7"));
        Add(typeof(ErrorSchemas.HealthResponse), "version", new Field(
            s => Text(s), "The build's version, with the source commit after +.", "1.0.0+0b2e38cd83be883ce7557f0909884bec9211115b"));
        Add(typeof(ErrorSchemas.HealthResponse), "checks", new Field(
            s => { },
            "Each check's outcome (readiness: database).",
            new JsonObject { ["database"] = "database reachable, migrations applied" }));
        Add(typeof(ErrorResponse), "status", new Field(s => Integer(s, "int32", minimum: "400", maximum: "599"), "The HTTP status code.", 404));
        Add(typeof(ErrorResponse), "trace_id", new Field(
            s => Text(s),
            "Identifies the request in the service's log (also sent as the X-Trace-Id header); quote it when you report a problem.",
            "4bf92f3577b34da6a3ce929d0e0e4736"));
        Add(typeof(ErrorSchemas.HealthResponse), "status", Enum(["Healthy", "Degraded", "Unhealthy"], "Healthy, or why not.", "Healthy"));
        Add(typeof(ErrorSchemas.ElementErrors), "id", Id("The id the element was sent with.", 2));
        Add(typeof(IdItem), "id", Id("An id, as sent.", 1));
    }

    /// <summary>Applies what the contract says about the property <paramref name="name"/> of <paramref name="owner"/>.</summary>
    /// <returns>False when the vocabulary does not know the field (the schema is left as generated).</returns>
    public bool TryApply(Type owner, string name, OpenApiSchema schema)
    {
        if (!_byOwner.TryGetValue((owner, name), out var field) && !_byName.TryGetValue(name, out field))
        {
            return false;
        }

        field.Apply(schema);
        return true;
    }

    /// <summary>A path or query parameter's schema and description, when the vocabulary knows the name.</summary>
    public (OpenApiSchema Schema, string Description, JsonNode? Example)? Parameter(string name) =>
        _parameters.TryGetValue(name, out var field) || _byName.TryGetValue(name, out field)
            ? (field.Schema(), field.Description, field.Example?.DeepClone())
            : null;

    private void Add(string name, Field field) => _byName.Add(name, field);

    private void Add(Type owner, string name, Field field) => _byOwner[(owner, name)] = field;

    private static Field Id(string description, long example) =>
        new(s => Integer(s, "int64", minimum: "1"), description, example);

    private static Field Count(string description) => new(s => Integer(s, "int64", minimum: "0"), description, null);

    /// <summary>A list whose items are described by their own schema.</summary>
    private static Field List(string description) => new(s => { }, description, null);

    private static Field Timestamp(string description) => new(
        s => Text(s, format: "date-time"),
        description,
        "2026-01-10T10:33:01.42Z");

    private static Field Enum(IEnumerable<string> values, string description, string example) => new(
        s =>
        {
            Text(s);
            s.Enum = values.Select(v => (JsonNode)v).ToList();
        },
        description,
        example);

    private static OpenApiSchema Region()
    {
        var schema = new OpenApiSchema();
        Integer(schema, "int32", minimum: "1", maximum: int.MaxValue.ToString(CultureInfo.InvariantCulture));
        return schema;
    }

    private static void Integer(OpenApiSchema s, string format, string minimum, string? maximum = null)
    {
        s.Type = JsonSchemaType.Integer;
        s.Format = format;
        s.Minimum = minimum;
        s.Maximum = maximum;
    }

    private static void Text(OpenApiSchema s, string? format = null, string? pattern = null, int? minLength = null, int? maxLength = null)
    {
        s.Type = JsonSchemaType.String;
        s.Format = format;
        s.Pattern = pattern;
        s.MinLength = minLength;
        s.MaxLength = maxLength;
    }

    private static void Array(OpenApiSchema s, int maxItems, OpenApiSchema items)
    {
        s.Type = JsonSchemaType.Array;
        s.MaxItems = maxItems;
        s.Items = items;
    }

    private static void Copy(OpenApiSchema from, OpenApiSchema to)
    {
        to.Type = from.Type;
        to.Format = from.Format;
        to.Minimum = from.Minimum;
        to.Maximum = from.Maximum;
    }

    private static decimal Kilograms(Weight weight) => weight.Kilograms;

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the document says about one field: its constraints, a description and an example value.</summary>
    private sealed class Field(Action<OpenApiSchema> constrain, string description, JsonNode? example)
    {
        public string Description { get; } = description;

        public JsonNode? Example { get; } = example;

        /// <summary>Constrains a generated property schema; a description written on the property itself stays.</summary>
        public void Apply(OpenApiSchema schema)
        {
            constrain(schema);
            schema.Description ??= Description;
            if (Example is not null && schema.Examples is not { Count: > 0 })
            {
                schema.Examples = [Example.DeepClone()];
            }
        }

        /// <summary>A fresh schema of the field (for parameters and list items).</summary>
        public OpenApiSchema Schema()
        {
            var schema = new OpenApiSchema();
            constrain(schema);
            return schema;
        }
    }
}
