using SweetsStore.Domain;

namespace SweetsStore.Tests.Domain;

public class AssignmentEngineTests
{
    [Fact]
    public void TheFirstReadPerRegionGrowsWithTheCapacityAndNeverExceedsTheMostOrdersABundleCanHold()
    {
        // Any positive size gives the same candidates (the read goes on where it was cut); a size above the capacity in
        // hundredths of a kg (each order weighs at least 0.01 kg) would read orders no bundle can use.
        var sizes = new[] { CourierType.Foot, CourierType.Bike, CourierType.Car }
            .Select(t => (Capacity: t.Capacity().HundredthsOfKg, Rows: AssignmentEngine.FirstReadPerRegion(t.Capacity()))).ToArray();

        Assert.All(sizes, s => Assert.InRange(s.Rows, 1, s.Capacity));
        Assert.True(sizes[0].Rows < sizes[1].Rows && sizes[1].Rows < sizes[2].Rows, string.Join(", ", sizes));
    }

    [Fact]
    public void TakesNothingWhenEveryOrderIsTooHeavy()
    {
        var result = AssignmentEngine.Choose([Order(1, 1001)], CourierType.Foot.Capacity());

        Assert.Empty(result.Orders);
    }

    [Fact]
    public void ABundleExactlyAtCapacityFits()
    {
        var result = AssignmentEngine.Choose([Order(1, 600), Order(2, 400)], CourierType.Foot.Capacity());

        Assert.Equal([1L, 2L], Ids(result));
        Assert.Equal(1000, result.Total.HundredthsOfKg);
    }

    [Fact]
    public void PrefersMoreOrdersOverMoreWeight()
    {
        // One 9.99 kg order would fill a foot courier better, but three light ones are more orders.
        var result = AssignmentEngine.Choose([Order(1, 999), Order(2, 100), Order(3, 100), Order(4, 100)], CourierType.Foot.Capacity());

        Assert.Equal([2L, 3L, 4L], Ids(result));
    }

    [Fact]
    public void AmongEqualCountsFillsTheCourier()
    {
        // Two orders at most fit; 3 + 7 = 10 kg beats 1 + 2 = 3 kg.
        var result = AssignmentEngine.Choose([Order(1, 100), Order(2, 200), Order(3, 300), Order(4, 700), Order(5, 950)], CourierType.Foot.Capacity());

        Assert.Equal(3, result.Orders.Count);
        Assert.Equal(1000, result.Total.HundredthsOfKg);
    }

    [Fact]
    public void AmongEqualFillsTakesTheOldestOrders()
    {
        // {a:4, b:6} and {c:5, d:5} both weigh 10 kg; c is the oldest order, so {c, d} wins.
        var candidates = new[] { Order(10, 400, age: 5), Order(11, 600, age: 6), Order(12, 500, age: 1), Order(13, 500, age: 7) };

        var result = AssignmentEngine.Choose(candidates, CourierType.Foot.Capacity());

        Assert.Equal([12L, 13L], Ids(result).Order());
    }

    [Fact]
    public void CutoffNamesTheHeaviestOrderThatCanStillBeUsed()
    {
        // 1 + 2 + 3 = 6 ≤ 10 and + 5 > 10: three orders at most; with the two lightest (3) taken, a third may weigh 7.
        var found = AssignmentEngine.TryFindCutoff([100, 200, 300, 500], CourierType.Foot.Capacity(), out var count, out var heaviest);

        Assert.True(found);
        Assert.Equal(3, count);
        Assert.Equal(700, heaviest);
    }

    [Fact]
    public void CutoffIsUnknownWhileEverythingSeenFits()
    {
        Assert.False(AssignmentEngine.TryFindCutoff([100, 200], CourierType.Foot.Capacity(), out var count, out _));
        Assert.Equal(2, count);
    }

    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 400)]
    [InlineData(3, 5000)]
    public void MatchesBruteForceOnSmallRandomInstances(int seed, int maxWeight)
    {
        var random = new Random(seed);
        for (var round = 0; round < 3000; round++)
        {
            var n = random.Next(0, 13);
            var capacity = Weight.FromHundredthsOfKg(random.Next(1, Math.Min(5000, maxWeight * 4)));
            var candidates = Enumerable.Range(0, n)
                .Select(i => Order(100 + i, random.Next(1, maxWeight + 1), age: random.Next(0, 1000)))
                .ToArray();

            var expected = BruteForce(candidates, capacity);
            var actual = AssignmentEngine.Choose(candidates, capacity);

            Assert.True(actual.Exact);
            Assert.True(
                expected.SequenceEqual(Ids(actual).Order()),
                $"seed {seed} round {round}: capacity {capacity.HundredthsOfKg}, candidates " +
                string.Join(' ', candidates.Select(c => $"{c.OrderId}:{c.Weight.HundredthsOfKg}@{c.Age}")) +
                $" expected [{string.Join(',', expected)}] got [{string.Join(',', Ids(actual).Order())}]");
            Assert.Equal(actual.Orders.Sum(o => o.Weight.HundredthsOfKg), actual.Total.HundredthsOfKg);
        }
    }

    [Fact]
    public void FallbackKeepsTheCountExactNeverOverfillsAndCannotBeImprovedByOneExchange()
    {
        var random = new Random(11);
        var fallbacks = 0;
        for (var round = 0; round < 2000; round++)
        {
            var n = random.Next(2, 13);
            var capacity = Weight.FromHundredthsOfKg(random.Next(1, 1600));
            var candidates = Enumerable.Range(0, n).Select(i => Order(i + 1, random.Next(1, 400), age: i)).ToArray();

            var result = AssignmentEngine.Choose(candidates, capacity, tableBudgetWords: 0);
            var best = BruteForce(candidates, capacity);

            fallbacks += result.Exact ? 0 : 1;
            Assert.Equal(best.Length, result.Orders.Count);
            Assert.True(result.Total.HundredthsOfKg <= capacity.HundredthsOfKg);
            var chosen = result.Orders.Select(o => o.OrderId).ToHashSet();
            foreach (var dropped in candidates.Where(c => chosen.Contains(c.OrderId)))
            {
                foreach (var added in candidates.Where(c => !chosen.Contains(c.OrderId)))
                {
                    var swapped = result.Total.HundredthsOfKg - dropped.Weight.HundredthsOfKg + added.Weight.HundredthsOfKg;
                    Assert.False(swapped > result.Total.HundredthsOfKg && swapped <= capacity.HundredthsOfKg, $"round {round}: one exchange improves the fallback");
                }
            }
        }

        Assert.True(fallbacks > 100, $"the fallback ran only {fallbacks} times");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void FromCourierAndPoolMatchesBruteForceWhenListsMayBeEmpty(int seed)
    {
        // The whole choice as the service makes it: orders in the courier's regions whose delivery hours meet its
        // working hours (either list may be empty), then the engine. The brute force decides eligibility minute
        // by minute, independently of Schedule.Intersects.
        var random = new Random(seed);
        var empties = 0;
        for (var round = 0; round < 1500; round++)
        {
            var type = (CourierType)random.Next(3);
            var regions = Enumerable.Range(0, random.Next(0, 3)).Select(_ => random.Next(1, 4)).ToArray();
            var hours = RandomSchedule(random);
            var orders = Enumerable.Range(0, random.Next(0, 12))
                .Select(i => (Id: 100L + i, HundredthsOfKg: random.Next(1, 2000), Region: random.Next(1, 4), Hours: RandomSchedule(random)))
                .ToArray();
            empties += regions.Length == 0 || hours.IsEmpty || orders.Any(o => o.Hours.IsEmpty) ? 1 : 0;

            var candidates = orders
                .Where(o => regions.Contains(o.Region) && o.Hours.Intersects(hours))
                .Select(o => Order(o.Id, o.HundredthsOfKg))
                .ToArray();
            var actual = AssignmentEngine.Choose(candidates, type.Capacity());

            var eligible = orders
                .Where(o => regions.Contains(o.Region) && Minutes(o.Hours).Overlaps(Minutes(hours)))
                .Select(o => Order(o.Id, o.HundredthsOfKg))
                .ToArray();
            var expected = BruteForce(eligible, type.Capacity());
            Assert.True(expected.SequenceEqual(Ids(actual).Order()), $"seed {seed} round {round}: expected [{string.Join(',', expected)}] got [{string.Join(',', Ids(actual).Order())}]");
            if (regions.Length == 0 || hours.IsEmpty)
            {
                Assert.Empty(actual.Orders);
            }
        }

        Assert.True(empties > 500, $"only {empties} rounds had an empty list");

        static Schedule RandomSchedule(Random random)
        {
            var windows = new List<TimeWindow>();
            for (var n = random.Next(0, 3); windows.Count < n;)
            {
                var start = new NodaTime.LocalTime(random.Next(24), random.Next(4) * 15);
                var end = new NodaTime.LocalTime(random.Next(24), random.Next(4) * 15);
                if (start != end)
                {
                    windows.Add(new TimeWindow(start, end));
                }
            }

            return new Schedule(windows);
        }

        static HashSet<int> Minutes(Schedule schedule)
        {
            var set = new HashSet<int>();
            foreach (var w in schedule.Windows)
            {
                for (var m = (w.Start.Hour * 60) + w.Start.Minute; m != (w.End.Hour * 60) + w.End.Minute; m = (m + 1) % 1440)
                {
                    set.Add(m);
                }
            }

            return set;
        }
    }

    private static Candidate Order(long id, int hundredths, long? age = null) =>
        new(id, Weight.FromHundredthsOfKg(hundredths), age ?? id);

    private static IEnumerable<long> Ids(Selection selection) => selection.Orders.Select(o => o.OrderId);

    private static long[] BruteForce(Candidate[] candidates, Weight capacity)
    {
        long[] best = [];
        var bestCount = 0;
        var bestWeight = 0;
        long[]? bestAges = null;
        for (var mask = 0; mask < 1 << candidates.Length; mask++)
        {
            var chosen = candidates.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            var weight = chosen.Sum(c => c.Weight.HundredthsOfKg);
            if (weight > capacity.HundredthsOfKg)
            {
                continue;
            }

            var ages = chosen.Select(c => c.Age).Order().ToArray();
            var better = chosen.Length > bestCount
                || (chosen.Length == bestCount && weight > bestWeight)
                || (chosen.Length == bestCount && weight == bestWeight && bestAges is not null && Compare(ages, bestAges) < 0);
            if (bestAges is null || better)
            {
                best = chosen.Select(c => c.OrderId).Order().ToArray();
                bestCount = chosen.Length;
                bestWeight = weight;
                bestAges = ages;
            }
        }

        return best;
    }

    private static int Compare(long[] a, long[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return a[i].CompareTo(b[i]);
            }
        }

        return 0;
    }
}
