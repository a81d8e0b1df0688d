using Bogus;

namespace SweetsStore.Tests.Infrastructure;

/// <summary>Test data from Bogus with a fixed seed, so a failure replays. Builders produce contract JSON objects.</summary>
public static class Fake
{
    public const int Seed = 20261122;

    public static CourierBuilder Courier(long id) => new(id);

    public static OrderBuilder Order(long id) => new(id);

    /// <summary>Random valid orders for load and concurrency tests.</summary>
    public static IEnumerable<Dictionary<string, object>> Orders(int count, int regions, int seed = Seed, long firstId = 1)
    {
        var faker = new Faker { Random = new Randomizer(seed) };
        for (var i = 0; i < count; i++)
        {
            // Hour windows of 1 to 8 hours anywhere in the day, some across midnight.
            var start = faker.Random.Int(0, 23);
            var end = (start + faker.Random.Int(1, 8)) % 24;
            yield return Order(firstId + i)
                .Weighing(faker.Random.Int(1, 5000) / 100m)
                .InRegion(faker.Random.Int(1, regions))
                .DeliveredAt($"{start:D2}:{faker.Random.Int(0, 59):D2}-{end:D2}:00")
                .Build();
        }
    }

    public sealed class CourierBuilder(long id)
    {
        private string _type = "foot";
        private int[] _regions = [1];
        private string[] _hours = ["00:00-23:59"];

        public CourierBuilder OfType(string type)
        {
            _type = type;
            return this;
        }

        public CourierBuilder InRegions(params int[] regions)
        {
            _regions = regions;
            return this;
        }

        public CourierBuilder Working(params string[] hours)
        {
            _hours = hours;
            return this;
        }

        public Dictionary<string, object> Build() => new()
        {
            ["courier_id"] = id,
            ["courier_type"] = _type,
            ["regions"] = _regions,
            ["working_hours"] = _hours,
        };
    }

    public sealed class OrderBuilder(long id)
    {
        private decimal _weight = 1m;
        private int _region = 1;
        private string[] _hours = ["00:00-23:59"];

        public OrderBuilder Weighing(decimal kg)
        {
            _weight = kg;
            return this;
        }

        public OrderBuilder InRegion(int region)
        {
            _region = region;
            return this;
        }

        public OrderBuilder DeliveredAt(params string[] hours)
        {
            _hours = hours;
            return this;
        }

        public Dictionary<string, object> Build() => new()
        {
            ["order_id"] = id,
            ["weight"] = _weight,
            ["region"] = _region,
            ["delivery_hours"] = _hours,
        };
    }
}
