using System.Buffers;
using System.Text.Json;
using Bogus;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Bench.Data;

/// <summary>An order as the benchmark sends it and as the COPY baseline writes it (the same columns the API writes).</summary>
internal sealed record OrderRow(long Id, int WeightHundredthsOfKg, int Region, string[] Hours, NpgsqlRange<int>[] Delivery);

/// <summary>A courier as POST /couriers takes it.</summary>
internal sealed record CourierRow(long Id, CourierType Type, int[] Regions, string[] Hours);

/// <summary>
/// Benchmark data from Bogus with fixed seeds, so every run (and both sides of every ratio) sees the same rows.
/// Orders: weight uniform 0.01–50 kg (two decimals), region uniform over <see cref="Regions"/>, one or two random
/// delivery windows of 1–10 h. Couriers: 3 distinct regions, types mixed, working hours of 13–18 h.
/// </summary>
internal static class Fakes
{
    public const int Regions = 1000;
    public const int Seed = 20261122;

    public static OrderRow[] Orders(long firstId, int count, int seed, int regions = Regions)
    {
        var random = new Randomizer(seed);
        var rows = new OrderRow[count];
        for (var i = 0; i < count; i++)
        {
            var windows = random.Int(1, 10) <= 8 ? 1 : 2;
            var hours = new string[windows];
            for (var w = 0; w < windows; w++)
            {
                var start = random.Int(0, 95) * 15;
                var end = (start + (random.Int(4, 40) * 15)) % TimeWindow.MinutesPerDay;
                hours[w] = Window(start, end);
            }

            rows[i] = new OrderRow(firstId + i, random.Int(1, 5000), random.Int(1, regions), hours, Multirange(hours));
        }

        return rows;
    }

    /// <summary>Couriers in <paramref name="regions"/> regions (1..regions), 3 distinct each.</summary>
    public static CourierRow[] Couriers(long firstId, int count, int seed, int regions = Regions)
    {
        var faker = new Faker { Random = new Randomizer(seed) };
        var rows = new CourierRow[count];
        for (var i = 0; i < count; i++)
        {
            var set = new HashSet<int>();
            while (set.Count < Math.Min(3, regions))
            {
                set.Add(faker.Random.Int(1, regions));
            }

            var type = faker.PickRandom(CourierType.Foot, CourierType.Bike, CourierType.Car);
            var start = faker.Random.Int(4, 8) * 60;
            var end = Math.Min(faker.Random.Int(21, 23) * 60 + faker.Random.Int(0, 3) * 15, TimeWindow.MinutesPerDay - 1);
            rows[i] = new CourierRow(firstId + i, type, set.ToArray(), [Window(start, end)]);
        }

        return rows;
    }

    public static string Window(int startMinute, int endMinute) =>
        $"{startMinute / 60:D2}:{startMinute % 60:D2}-{endMinute / 60:D2}:{endMinute % 60:D2}";

    /// <summary>The same half-open minute segments the API stores (TimeWindow.Segments).</summary>
    public static NpgsqlRange<int>[] Multirange(IEnumerable<string> windows) =>
        windows.SelectMany(w => TimeWindow.Parse(w).Segments()).Select(s => new NpgsqlRange<int>(s.Start, true, s.End, false)).ToArray();

    /// <summary><c>{"data":[...]}</c> for POST /orders.</summary>
    public static byte[] OrdersJson(IEnumerable<OrderRow> orders)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var order in orders)
            {
                WriteOrder(writer, order);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One order object per line, for the background import.</summary>
    public static byte[] OrdersNdjson(IEnumerable<OrderRow> orders)
    {
        using var stream = new MemoryStream(1 << 20);
        using var writer = new Utf8JsonWriter(stream);
        foreach (var order in orders)
        {
            WriteOrder(writer, order);
            writer.Flush();
            stream.WriteByte((byte)'\n');
            writer.Reset();
        }

        return stream.ToArray();
    }

    public static byte[] CouriersJson(IEnumerable<CourierRow> couriers)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("data");
            foreach (var courier in couriers)
            {
                writer.WriteStartObject();
                writer.WriteNumber("courier_id", courier.Id);
                writer.WriteString("courier_type", courier.Type.ToContractName());
                writer.WriteStartArray("regions");
                foreach (var region in courier.Regions)
                {
                    writer.WriteNumberValue(region);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("working_hours");
                foreach (var window in courier.Hours)
                {
                    writer.WriteStringValue(window);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteOrder(Utf8JsonWriter writer, OrderRow order)
    {
        writer.WriteStartObject();
        writer.WriteNumber("order_id", order.Id);
        writer.WriteNumber("weight", order.WeightHundredthsOfKg / 100m);
        writer.WriteNumber("region", order.Region);
        writer.WriteStartArray("delivery_hours");
        foreach (var window in order.Hours)
        {
            writer.WriteStringValue(window);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
