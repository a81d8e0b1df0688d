using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SweetsStore.Reliability;

/// <summary>Seeded couriers and orders over shared regions, loaded through the API or written to import files.</summary>
public static class Seeding
{
    private static readonly string[] Types = ["foot", "foot", "bike", "bike", "car"];

    private static readonly string[][] Shifts =
    [
        ["08:00-20:00"], ["09:00-13:00", "14:00-18:00"], ["06:00-14:00"], ["12:00-23:30"], ["20:00-04:00"], ["00:00-23:59"],
    ];

    /// <summary>A valid courier as JSON.</summary>
    public static string Courier(long id, Random random, int regions) =>
        $$"""{"courier_id":{{id}},"courier_type":"{{Types[random.Next(Types.Length)]}}","regions":[{{string.Join(',', Regions(random, regions))}}],"working_hours":[{{Quote(Shifts[random.Next(Shifts.Length)])}}]}""";

    /// <summary>A valid PATCH body changing one to three fields.</summary>
    public static string Patch(Random random, int regions)
    {
        var fields = new List<string>();
        while (fields.Count == 0)
        {
            if (random.Next(2) == 0)
            {
                fields.Add($"\"courier_type\":\"{Types[random.Next(Types.Length)]}\"");
            }

            if (random.Next(2) == 0)
            {
                fields.Add($"\"regions\":[{string.Join(',', Regions(random, regions))}]");
            }

            if (random.Next(3) == 0)
            {
                fields.Add($"\"working_hours\":[{Quote(Shifts[random.Next(Shifts.Length)])}]");
            }
        }

        return "{" + string.Join(',', fields) + "}";
    }

    /// <summary>A valid order as JSON: mostly 1–5 kg (a foot courier takes two or three), some heavy; one or two delivery windows.</summary>
    public static string Order(long id, Random random, int regions)
    {
        var roll = random.Next(100);
        var hundredths = roll < 70 ? random.Next(100, 501) : roll < 95 ? random.Next(500, 1501) : random.Next(1500, 5001);
        var weight = (hundredths / 100m).ToString("0.##", CultureInfo.InvariantCulture);
        var start = random.Next(0, 24 * 4) * 15;
        var length = random.Next(4, 17) * 15;
        var windows = new List<string> { Window(start, length) };
        if (random.Next(4) == 0)
        {
            windows.Add(Window((start + length + 120) % 1440, 60));
        }

        return $$"""{"order_id":{{id}},"weight":{{weight}},"region":{{random.Next(1, regions + 1)}},"delivery_hours":[{{Quote(windows)}}]}""";
    }

    /// <summary>POST /couriers and POST /orders (in batches) through the API, as any client would load them.</summary>
    public static async Task<int> SeedAsync(Options options)
    {
        var url = options.String("url").TrimEnd('/');
        var couriers = options.Int("couriers");
        var orders = options.Int("orders");
        var regions = options.Int("regions");
        var firstOrder = options.Long("first-order", 1);
        var batch = options.Int("batch", 10_000);
        var random = new Random(options.Int("seed", 1));
        using var client = new ApiClient(4, TimeSpan.FromMinutes(5));
        var watch = Stopwatch.StartNew();

        if (couriers > 0)
        {
            var body = "{\"data\":[" + string.Join(',', Enumerable.Range(1, couriers).Select(i => Courier(i, random, regions))) + "]}";
            var reply = await client.PostAsync($"{url}/couriers", body);
            if (reply.Status != 201)
            {
                Console.Error.WriteLine($"POST /couriers → {reply.Status} {reply.Transport} {Truncate(reply.Body)}");
                return 1;
            }
        }

        for (long done = 0; done < orders; done += batch)
        {
            var n = (int)Math.Min(batch, orders - done);
            var body = "{\"data\":[" + string.Join(',', Enumerable.Range(0, n).Select(i => Order(firstOrder + done + i, random, regions))) + "]}";
            var reply = await client.PostAsync($"{url}/orders", body);
            if (reply.Status != 201)
            {
                Console.Error.WriteLine($"POST /orders → {reply.Status} {reply.Transport} {Truncate(reply.Body)}");
                return 1;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seeded {couriers} couriers and {orders} orders (ids {firstOrder}..{firstOrder + orders - 1}) over {regions} regions through POST /couriers, POST /orders in {watch.Elapsed.TotalSeconds:0.0} s"));
        return 0;
    }

    /// <summary>Writes an import body: <c>{"data": [...]}</c> or NDJSON, orders with consecutive ids.</summary>
    public static async Task<int> GenerateImportAsync(Options options)
    {
        var path = options.String("out");
        var first = options.Long("first", 1);
        var count = options.Int("count");
        var regions = options.Int("regions");
        var ndjson = options.String("format", "json") == "ndjson";
        var random = new Random(options.Int("seed", 7));
        await using var file = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        if (!ndjson)
        {
            await file.WriteAsync("{\"data\":[");
        }

        for (var i = 0; i < count; i++)
        {
            if (!ndjson && i > 0)
            {
                await file.WriteAsync(',');
            }

            await file.WriteAsync(Order(first + i, random, regions));
            if (ndjson)
            {
                await file.WriteAsync('\n');
            }
        }

        if (!ndjson)
        {
            await file.WriteAsync("]}");
        }

        await file.FlushAsync();
        Console.WriteLine($"wrote {count} orders (ids {first}..{first + count - 1}) as {(ndjson ? "NDJSON" : "JSON")} to {path} ({new FileInfo(path).Length / 1024 / 1024} MiB)");
        return 0;
    }

    internal static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;

    private static IEnumerable<int> Regions(Random random, int regions) =>
        Enumerable.Range(0, random.Next(1, 5)).Select(_ => random.Next(1, regions + 1)).Distinct();

    private static string Window(int startMinute, int lengthMinutes)
    {
        var end = (startMinute + lengthMinutes) % 1440;
        return $"{startMinute / 60:00}:{startMinute % 60:00}-{end / 60:00}:{end % 60:00}";
    }

    private static string Quote(IEnumerable<string> values) => string.Join(',', values.Select(v => $"\"{v}\""));
}
