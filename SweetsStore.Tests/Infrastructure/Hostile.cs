using System.Text;

namespace SweetsStore.Tests.Infrastructure;

/// <summary>A request body that must be refused: its bytes and how it was made (printed when a case fails).</summary>
public sealed record HostileBody(byte[] Bytes, string ContentType, string Recipe)
{
    public override string ToString() => $"{Recipe}: {Preview}";

    private string Preview
    {
        get
        {
            var text = Encoding.UTF8.GetString(Bytes.AsSpan(0, Math.Min(Bytes.Length, 160)));
            return Bytes.Length > 160 ? text + $"… ({Bytes.Length} bytes)" : text;
        }
    }
}

/// <summary>
/// A seeded generator of invalid requests: every mutation it applies is one the contract refuses (wrong type,
/// out-of-range value, missing or unknown or repeated field, broken JSON, invalid UTF-8, absurd nesting or
/// size), so "always 4xx, never a stored row" can be asserted for every case. Seed and case count come from
/// SWEETSSTORE_FUZZ_SEED and SWEETSSTORE_FUZZ_CASES so a failure replays and a long run is one variable away.
/// </summary>
public sealed class Hostile(int seed)
{
    private readonly Random _random = new(seed);

    public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("SWEETSSTORE_FUZZ_SEED"), out var s) ? s : 20261122;

    public static int Cases => int.TryParse(Environment.GetEnvironmentVariable("SWEETSSTORE_FUZZ_CASES"), out var c) ? c : 150;

    /// <summary>
    /// Field name → valid JSON values (the first is the usual one; empty lists are valid too, as in the original
    /// task) and invalid ones; a body is one object of these (or an import of several).
    /// </summary>
    public sealed record Shape(IReadOnlyList<(string Name, string[] Valid, string[] Invalid)> Fields, bool AllOptional = false);

    public static readonly string[] BadIds = ["0", "-1", "1.5", "1e400", "\"1\"", "9223372036854775808", "true", "null", "[]", "{}", "-0", "1E2", "0x10"];

    public static readonly string[] BadRegions = ["0", "-5", "2147483648", "1.0", "\"3\"", "null", "false", "{}"];

    public static readonly string[] BadWeights = ["0", "-0", "50.01", "5.005", "1e400", "-1", "\"1\"", "null", "[1]", "0.001", "1e-400"];

    public static readonly string[] BadTypes = ["\"Foot\"", "\"FOOT\"", "\"walker\"", "1", "null", "[\"foot\"]", "\"\"", "\"foot \"", "\"ｆｏｏｔ\"", "\"\\ud800\"", "\"fo\\udc00ot\""];

    public static readonly string[] BadHourLists = ["\"09:00-18:00\"", "null", "[null]", "[\"24:00-01:00\"]", "[\"9:00-18:00\"]", "[\"09:00 - 18:00\"]",
        "[\"09:00:00-18:00:00\"]", "[\"10:00-10:00\"]", "[900]", "[\"09:00-18:00\", \"\"]", "[\"09:60-10:00\"]", "[\"\\u0030\\u0039:00-18:00\", 5]", "[\"\\ud83d-18:00\"]", "[\"09:00-18:0\\udfff\"]"];

    public static readonly string[] BadRegionLists = ["5", "null", "[0]", "[\"1\"]", "[1, 1.5]", "[3000000000]", "[null]", "[[1]]", "{\"1\": 1}"];

    public static readonly string[] BadTimes = ["\"2026-01-10T10:33:01\"", "\"2026-01-10 10:33:01Z\"", "\"2026-01-10T10:33Z\"", "\"2026-13-10T10:33:01Z\"",
        "\"2026-01-10T10:33:01.Z\"", "\"2026-01-10T10:33:01+24:00\"", "1736500000", "null", "\"\"", "\"2026-02-30T00:00:00Z\"", "\"9999-12-31T23:00:00-05:00\"", "\"yesterday\"", "\"2026-01-10T10:33:01\\ud800Z\""];

    public static readonly Shape Courier = new(
    [
        ("courier_id", ["1"], BadIds),
        ("courier_type", ["\"foot\"", "\"car\""], BadTypes),
        ("regions", ["[1, 2]", "[]"], BadRegionLists),
        ("working_hours", ["[\"09:00-18:00\"]", "[]"], BadHourLists),
    ]);

    public static readonly Shape Order = new(
    [
        ("order_id", ["1"], BadIds),
        ("weight", ["1.5", "50"], BadWeights),
        ("region", ["1"], BadRegions),
        ("delivery_hours", ["[\"09:00-18:00\"]", "[]"], BadHourLists),
    ]);

    public static readonly Shape Patch = new(
    [
        ("courier_type", ["\"bike\""], BadTypes),
        ("regions", ["[3]", "[]"], BadRegionLists),
        ("working_hours", ["[\"10:00-11:00\"]", "[]"], BadHourLists),
    ], AllOptional: true);

    public static readonly Shape Assign = new([("courier_id", ["1"], BadIds)]);

    public static readonly Shape Complete = new(
    [
        ("courier_id", ["1"], BadIds),
        ("order_id", ["1"], BadIds),
        ("complete_time", ["\"2026-01-10T10:33:01.42Z\""], BadTimes),
    ]);

    /// <summary>An invalid body for one object of <paramref name="shape"/>.</summary>
    public HostileBody Body(Shape shape) => Mutate(shape, import: false);

    /// <summary>An invalid import: several valid elements (ids from <paramref name="firstId"/>) and one bad thing.</summary>
    public HostileBody Import(Shape shape, long firstId) => Mutate(shape, import: true, firstId);

    /// <summary>
    /// A path segment that is not an id ≥ 1 fitting 64 bits. (No %00: the in-memory test client refuses to send
    /// it; Kestrel answers such a request line 400 before the app sees it.)
    /// </summary>
    public string PathId() => Pick(
    [
        "0", "-1", "1.5", "abc", "9223372036854775808", "99999999999999999999999", "1e3", "%20", "１", "0x1", "+1", " 1",
        new string('9', _random.Next(20, 200)), "-9223372036854775808", "1%2F2", "%E2%82%AC", "%FF", "1;2",
    ]);

    private HostileBody Mutate(Shape shape, bool import, long firstId = 1)
    {
        var fields = shape.Fields.Select(f => (f.Name, Value: Pick(f.Valid))).ToList();
        string recipe;
        string? raw = null;
        byte[]? bytes = null;
        var mutation = _random.Next(import ? 13 : 12);
        switch (mutation)
        {
            case 0: // a field with a value of the wrong type or out of range
            case 1:
            case 2:
                var target = _random.Next(fields.Count);
                var bad = Pick(shape.Fields[target].Invalid);
                fields[target] = (fields[target].Name, bad);
                recipe = $"{fields[target].Name} = {bad}";
                break;
            case 3 when !shape.AllOptional: // a required field missing
                var gone = _random.Next(fields.Count);
                recipe = $"without {fields[gone].Name}";
                fields.RemoveAt(gone);
                break;
            case 3:
            case 4: // an unknown field
                var unknown = Pick(["extra", "Courier_id", "courier_id ", "rating", "earnings", "data", "__proto__", "", "id", "\\ud800", "x\\udfffy"]);
                fields.Insert(_random.Next(fields.Count + 1), (unknown, Pick(["1", "null", "\"x\"", "[]"])));
                recipe = $"unknown field '{unknown}'";
                break;
            case 5: // a field given twice (the second copy valid)
                var twice = fields[_random.Next(fields.Count)];
                fields.Add(twice);
                recipe = $"{twice.Name} twice";
                break;
            case 6: // broken JSON: cut short
                var text = Render(fields, import, firstId, shape);
                var cut = _random.Next(1, text.Length - 1);
                raw = text[..cut];
                recipe = $"cut at {cut}";
                break;
            case 7: // not an object at all
                raw = Pick(["", " ", "null", "[]", "1", "\"text\"", "true", "nonsense", "{", "}", "{\"a\":}", "[{}]", "{} {}", "\uFEFF"]);
                recipe = "not an object";
                break;
            case 8: // invalid UTF-8 inside a string
                var valid = Encoding.UTF8.GetBytes(Render([.. fields, ("note", "\"__\"")], import, firstId, shape));
                var at = IndexOf(valid, "__"u8);
                bytes = [.. valid[..at], .. Pick<byte[]>([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]]), .. valid[(at + 2)..]];
                recipe = "invalid UTF-8";
                break;
            case 9: // absurd nesting in a field
                var depth = _random.Next(33, 5000);
                var deepField = _random.Next(fields.Count);
                fields[deepField] = (fields[deepField].Name, new string('[', depth) + new string(']', depth));
                recipe = $"{fields[deepField].Name} nested {depth} deep";
                break;
            case 10: // an overlong string where a short one or a number belongs
                var longField = _random.Next(fields.Count);
                fields[longField] = (fields[longField].Name, "\"" + new string('x', _random.Next(1_000, 200_000)) + "\"");
                recipe = $"{fields[longField].Name} overlong";
                break;
            case 11: // trailing garbage after a valid body
                raw = Render(fields, import, firstId, shape) + Pick([" x", "}", ",", "]", "{}", "\u0000"]);
                recipe = "trailing garbage";
                break;
            default: // an import whose data is not a list of objects
                raw = Pick(["{\"data\": {}}", "{\"data\": 1}", "{\"data\": [1, 2]}", "{\"data\": [[]]}", "{\"data\": \"[]\"}", "{\"data\": [null]}", "{\"Data\": []}", "{\"data\": [], \"x\": 1}"]);
                recipe = "bad data";
                break;
        }

        bytes ??= Encoding.UTF8.GetBytes(raw ?? Render(fields, import, firstId, shape));
        var contentType = Pick(["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "application/xml", "", "multipart/form-data; boundary=x"]);
        return new HostileBody(bytes, contentType, recipe);
    }

    private string Render(IReadOnlyList<(string Name, string Value)> fields, bool import, long firstId, Shape shape)
    {
        var bad = "{" + string.Join(", ", fields.Select(f => $"\"{f.Name}\": {f.Value}")) + "}";
        if (!import)
        {
            return bad;
        }

        // Valid neighbours with fresh ids around the one bad element.
        var elements = Enumerable.Range(0, _random.Next(1, 6)).Select(i => ValidElement(shape, firstId + i)).ToList();
        elements.Insert(_random.Next(elements.Count + 1), bad);
        return "{\"data\": [" + string.Join(", ", elements) + "]}";
    }

    private string ValidElement(Shape shape, long id) => shape == Order
        ? $"{{\"order_id\": {id}, \"weight\": 1, \"region\": 1, \"delivery_hours\": {Pick(["[\"09:00-18:00\"]", "[]"])}}}"
        : $"{{\"courier_id\": {id}, \"courier_type\": \"car\", \"regions\": {Pick(["[1]", "[]"])}, \"working_hours\": {Pick(["[\"09:00-18:00\"]", "[]"])}}}";

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
