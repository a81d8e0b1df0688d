using System.Text;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Imports;
using SweetsStore.Data.Imports;
using SweetsStore.Domain;

namespace SweetsStore.Tests.Contracts;

/// <summary>
/// The import's fast path for plain valid orders (<see cref="OrderElementReader"/>, docs/decisions/0016 step 4,
/// issue22g) must change nothing but the cost: every element, valid or not, ends as it does the full way
/// (<see cref="ImportElements{T}.Add"/> on a <c>JsonDocument</c>) — the same verdict, the same messages, the same ids,
/// the same encoded row bytes. Each case runs through two loaders, one with the fast path and one without.
/// Deterministic: fixed inputs and a fixed seed.
/// </summary>
public class OrderFastPathTests
{
    private static readonly InputLimits Limits = new();

    [Theory]
    [InlineData("""{"order_id":1,"weight":5.5,"region":12,"delivery_hours":["09:00-18:00"]}""")]
    [InlineData("""{"region":7,"delivery_hours":["22:00-02:00","10:15-11:45"],"weight":50,"order_id":9223372036854775807}""")]
    [InlineData("""{ "order_id" : 3 , "weight" : 0.01 , "region" : 2147483647 , "delivery_hours" : [ ] } """)]
    [InlineData("""{"order_id":4,"weight":5e0,"region":1,"delivery_hours":["22:00-00:00"]}""")]
    public void APlainValidOrderTakesTheFastPath(string element)
    {
        Assert.True(new OrderElementReader(Limits.MaxListItems).TryRead(Encoding.UTF8.GetBytes(element), out var id));
        Assert.True(id >= 1);
        AssertSameBothWays([element]);
    }

    [Theory]
    // Valid the full way, declined here: escapes, a long number, more windows than the fast path holds, leading space.
    [InlineData("""{"order_id":1,"weight":5.5,"region":12,"delivery_hours":["\u00309:00-18:00"]}""")]
    [InlineData("""{"order\u005fid":1,"weight":5.5,"region":12,"delivery_hours":["09:00-18:00"]}""")]
    [InlineData("""{"order_id":1,"weight":5.500000000000000000000000000000000000000,"region":12,"delivery_hours":[]}""")]
    [InlineData(""" {"order_id":1,"weight":5.5,"region":12,"delivery_hours":[]}""")]
    // Invalid: the full way reports it.
    [InlineData("""{"order_id":1,"weight":5.5,"region":12}""")]
    [InlineData("""{"order_id":1,"weight":5.5,"region":12,"delivery_hours":null}""")]
    [InlineData("""{"order_id":1,"weight":5.5,"region":12,"delivery_hours":[],"extra":1}""")]
    [InlineData("""{"order_id":1,"order_id":2,"weight":5.5,"region":12,"delivery_hours":[]}""")]
    [InlineData("""{"order_id":1.0,"weight":5.5,"region":12,"delivery_hours":[]}""")]
    [InlineData("""{"order_id":1,"weight":5.005,"region":12,"delivery_hours":[]}""")]
    [InlineData("""{"order_id":1,"weight":5.5,"region":0,"delivery_hours":[]}""")]
    [InlineData("""{"order_id":1,"weight":5.5,"region":12,"delivery_hours":["24:00-01:00"]}""")]
    [InlineData("""{"order_id":1,"weight":5.5,"region":12,"delivery_hours":["09:00-18:00",5]}""")]
    [InlineData("""{"order_id":1,"weight":5.5,"region":12,"delivery_hours":[]} x""")]
    [InlineData("""{"order_id":1,"weight":5.5,"region":12,"delivery_hours":[]""")]
    [InlineData("""[1]""")]
    public void AnythingElseIsDeclinedAndEndsAsTheFullWaySays(string element)
    {
        Assert.False(new OrderElementReader(Limits.MaxListItems).TryRead(Encoding.UTF8.GetBytes(element), out _));
        AssertSameBothWays([element]);
    }

    [Fact]
    public void MoreWindowsThanTheFastPathHoldsGoTheFullWay()
    {
        var windows = string.Join(",", Enumerable.Range(0, OrderElementReader.MaxWindows + 1).Select(i => $"\"{i % 24:D2}:00-{i % 24:D2}:30\""));
        var element = $$"""{"order_id":1,"weight":1,"region":1,"delivery_hours":[{{windows}}]}""";
        Assert.False(new OrderElementReader(Limits.MaxListItems).TryRead(Encoding.UTF8.GetBytes(element), out _));
        var (_, slow) = AssertSameBothWays([element]);
        Assert.Equal(0, slow.Invalid);
    }

    [Fact]
    public void ARepeatedIdIsReportedAsBeforeWhicheverWayEachCopyCame()
    {
        var (fast, _) = AssertSameBothWays(
        [
            """{"order_id":1,"weight":1,"region":1,"delivery_hours":[]}""",
            """{"order_id":2,"weight":1,"region":1,"delivery_hours":["\u00309:00-18:00"]}""",
            """{"order_id":1,"weight":2,"region":3,"delivery_hours":[]}""",
            """{"order_id":2,"weight":2,"region":3,"delivery_hours":[]}""",
        ]);
        Assert.Equal(2, fast.Invalid);
        Assert.All(fast.Errors, e => Assert.Equal([Messages.DuplicateInBatch], e.Errors["order_id"]));
    }

    /// <summary>Thousands of orders, each valid or broken in one or more of the ways the contract knows, from a fixed seed.</summary>
    [Theory]
    [InlineData(ImportStream.Json)]
    [InlineData(ImportStream.NdJson)]
    public void RandomOrdersEndTheSameBothWays(string format)
    {
        var random = new Random(20261203);
        var fastTaken = 0;
        var reader = new OrderElementReader(Limits.MaxListItems);
        for (var i = 0; i < 3000; i++)
        {
            var element = RandomOrder(random);
            if (reader.TryRead(Encoding.UTF8.GetBytes(element), out _))
            {
                fastTaken++;
            }

            AssertSameBothWays([element], format);
        }

        // The mix is meant to exercise both ways.
        Assert.InRange(fastTaken, 300, 2700);
    }

    private static (ImportElements<NewOrder> Fast, ImportElements<NewOrder> Slow) AssertSameBothWays(string[] elements, string format = ImportStream.Json)
    {
        var fastElements = ImportElements.Orders(Limits);
        var fast = new ImportLoader<NewOrder>(format, 1_000_000, fastElements, ImportTables.Orders, 1_000_000);
        var slowElements = ImportElements.Orders(Limits);
        slowElements.FastPath = null;
        var slow = new ImportLoader<NewOrder>(format, 1_000_000, slowElements, ImportTables.Orders, 1_000_000);
        for (var i = 0; i < elements.Length; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(elements[i]);
            fast.Accept(i, bytes);
            slow.Accept(i, bytes);
        }

        var context = string.Join("\n", elements);
        Assert.True(slow.Invalid == fast.Invalid, context);
        Assert.True(Describe(slowElements) == Describe(fastElements), context + "\n" + Describe(slowElements) + "\n" + Describe(fastElements));
        Assert.True(slow.Ids.SequenceEqual(fast.Ids), context);
        Assert.True(slowElements.SeenIds.Order().SequenceEqual(fastElements.SeenIds.Order()), context);
        Assert.True(Rows(slow).SequenceEqual(Rows(fast)), context);
        return (fastElements, slowElements);
    }

    private static string Describe(ImportElements<NewOrder> elements) =>
        string.Join("; ", elements.Errors.Select(e =>
            $"{e.Id}@{e.Index}/{e.Line}: " + string.Join(", ", e.Errors.Fields.Select(f => f + "=" + string.Join("|", e.Errors[f])))));

    private static string[] Rows(ImportLoader<NewOrder> loader) =>
        loader.Batch.Rows(ImportTable<NewOrder>.SeqOffset, null).Select(r => Convert.ToHexString(r.Span)).ToArray();

    private static readonly string[] Ids = ["1", "42", "9223372036854775807", "0", "-1", "1.0", "1e2", "\"5\"", "null", "9223372036854775808", "[]", "{}", "true"];

    private static readonly string[] Weights =
    [
        "0.01", "5.5", "5.50", "50", "50.00", "5e0", "0.5E1", "500e-2", "1", "12.34", "0", "0.001", "50.01", "-1", "\"5\"", "null", "5.005",
        "1e400", "[]", "5.000000000000000000000000000000000000000", "049",
    ];

    private static readonly string[] Regions = ["1", "1000", "2147483647", "0", "-3", "2147483648", "1.5", "\"1\"", "null", "{}"];

    private static readonly string[] Windows =
    [
        "\"09:00-18:00\"", "\"22:00-02:00\"", "\"22:00-00:00\"", "\"00:00-23:59\"", "\"10:15-11:45\"", "\"\\u00309:00-18:00\"", "\"9:00-18:00\"",
        "\"24:00-01:00\"", "\"10:00-10:00\"", "\"10:00-11:60\"", "\"10:00 11:00\"", "1", "null", "[]", "\"09:00-18:00 \"", "\"ÿ9:00-18:00\"",
    ];

    private static string RandomOrder(Random random)
    {
        string Pick(string[] values) => random.Next(4) == 0 ? values[random.Next(values.Length)] : values[random.Next(3)];
        var windowCount = random.Next(10) switch { 0 => 0, < 7 => 1, < 9 => 2, _ => random.Next(3, OrderElementReader.MaxWindows + 3) };
        var hours = random.Next(30) == 0 ? Pick(["null", "\"09:00-18:00\"", "{}"])
            : "[" + string.Join(",", Enumerable.Range(0, windowCount).Select(_ => random.Next(6) == 0 ? Windows[random.Next(Windows.Length)] : Windows[random.Next(5)])) + "]";
        var fields = new List<(string Name, string Value)>
        {
            ("order_id", Pick(Ids)), ("weight", Pick(Weights)), ("region", Pick(Regions)), ("delivery_hours", hours),
        };
        fields = fields.OrderBy(_ => random.Next(3) == 0 ? random.Next(4) : 0).ToList();
        switch (random.Next(20))
        {
            case 0: fields.RemoveAt(random.Next(fields.Count)); break;
            case 1: fields.Add(fields[random.Next(fields.Count)]); break;
            case 2: fields.Add(("extra", "1")); break;
            case 3: fields[0] = (fields[0].Name.Replace("_", "\\u005f", StringComparison.Ordinal).Replace("t", "\\u0074", StringComparison.Ordinal), fields[0].Value); break;
        }

        var space = random.Next(5) == 0 ? " " : "";
        var element = "{" + space + string.Join("," + space, fields.Select(f => $"\"{f.Name}\"{space}:{space}{f.Value}")) + space + "}";
        return random.Next(40) switch
        {
            0 => element + " x",
            1 => element[..^1],
            2 => " " + element,
            3 => Pick(["[]", "1", "null", "\"x\""]),
            _ => element,
        };
    }
}
