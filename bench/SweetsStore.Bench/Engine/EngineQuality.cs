using Bogus;
using SweetsStore.Domain;

namespace SweetsStore.Bench.Engine;

/// <summary>
/// Checks the engine's choices against independent exact solvers: brute force over every subset on small instances
/// (count, then total weight, then oldest orders — the whole contract order) and a count × weight dynamic program on
/// large ones (count and total; the age tie-break is not checked there).
/// </summary>
internal static class EngineQuality
{
    public sealed record Report(
        int BruteInstances, int BruteMismatches, int DpInstances, int DpMismatches, int FallbackInstances, long FallbackLostCg,
        string? FirstMismatch);

    public static Report Run(bool quick)
    {
        var random = new Randomizer(20261123);
        var bruteInstances = quick ? 300 : 2000;
        var bruteMismatches = 0;
        string? first = null;
        for (var i = 0; i < bruteInstances; i++)
        {
            var n = random.Int(1, 16);
            var capacity = random.ArrayElement(new[] { 1000, 1500, 5000 });

            // Weights from a few values (many ties) or uniform below half the capacity (many subsets fit); ages unique.
            var ages = random.Shuffle(Enumerable.Range(1, n)).ToArray();
            var fewValues = random.Bool();
            var candidates = Enumerable.Range(0, n)
                .Select(j => new Candidate(j + 1, Weight.FromHundredthsOfKg(fewValues
                    ? random.ArrayElement(new[] { 100, 150, 200, 250, 300 }) * capacity / 1000
                    : random.Int(1, capacity / 2)), ages[j]))
                .ToArray();
            var chosen = AssignmentEngine.Choose(candidates, Weight.FromHundredthsOfKg(capacity));
            var best = BruteForce(candidates, capacity);
            if (!SameSet(chosen.Orders, best))
            {
                bruteMismatches++;
                first ??= $"brute force n={n} C={capacity}: engine [{string.Join(",", chosen.Orders.Select(o => o.OrderId).Order())}], exact [{string.Join(",", best.Select(o => o.OrderId).Order())}]";
            }
        }

        var dpInstances = 0;
        var dpMismatches = 0;
        var fallback = 0;
        long lost = 0;
        var sizes = quick ? new[] { 100, 1000, 10_000 } : new[] { 100, 300, 1000, 3000, 10_000 };
        var perSize = quick ? 5 : 20;
        foreach (var n in sizes)
        {
            foreach (var capacity in new[] { 1000, 1500, 5000 })
            {
                for (var i = 0; i < perSize; i++)
                {
                    var candidates = EngineBenchmarks.Make(n, random.Bool() ? 5000 : capacity, random.Int());
                    var chosen = AssignmentEngine.Choose(candidates, Weight.FromHundredthsOfKg(capacity));
                    var (count, total) = CountWeightDp(candidates, capacity);
                    dpInstances++;
                    if (!chosen.Exact)
                    {
                        fallback++;
                        lost += total - chosen.Total.HundredthsOfKg;
                    }

                    if (chosen.Orders.Count != count || (chosen.Exact && chosen.Total.HundredthsOfKg != total) || chosen.Total.HundredthsOfKg > capacity)
                    {
                        dpMismatches++;
                        first ??= $"DP n={n} C={capacity}: engine {chosen.Orders.Count} orders / {chosen.Total.HundredthsOfKg} cg (exact={chosen.Exact}), optimum {count} / {total}";
                    }
                }
            }
        }

        return new Report(bruteInstances, bruteMismatches, dpInstances, dpMismatches, fallback, lost, first);
    }

    /// <summary>Best subset by (count, total, ages ascending compared lexicographically).</summary>
    private static Candidate[] BruteForce(Candidate[] candidates, int capacity)
    {
        var n = candidates.Length;
        Candidate[] best = [];
        var bestTotal = 0;
        long[] bestAges = [];
        for (var mask = 1; mask < 1 << n; mask++)
        {
            var count = System.Numerics.BitOperations.PopCount((uint)mask);
            if (count < best.Length)
            {
                continue;
            }

            var total = 0;
            for (var j = 0; j < n; j++)
            {
                if ((mask & (1 << j)) != 0)
                {
                    total += candidates[j].Weight.HundredthsOfKg;
                }
            }

            if (total > capacity || (count == best.Length && total < bestTotal))
            {
                continue;
            }

            var set = Enumerable.Range(0, n).Where(j => (mask & (1 << j)) != 0).Select(j => candidates[j]).ToArray();
            var ages = set.Select(c => c.Age).Order().ToArray();
            if (count > best.Length || total > bestTotal || Older(ages, bestAges))
            {
                best = set;
                bestTotal = total;
                bestAges = ages;
            }
        }

        return best;
    }

    private static bool Older(long[] a, long[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return a[i] < b[i];
            }
        }

        return false;
    }

    private static bool SameSet(IReadOnlyList<Candidate> a, IReadOnlyList<Candidate> b) =>
        a.Count == b.Count && a.Select(c => c.OrderId).Order().SequenceEqual(b.Select(c => c.OrderId).Order());

    /// <summary>The largest count that fits, and the heaviest total of that count: bit sets of reachable totals per count.</summary>
    private static (int Count, int Total) CountWeightDp(Candidate[] candidates, int capacity)
    {
        var weights = candidates.Select(c => c.Weight.HundredthsOfKg).Where(w => w <= capacity).Order().ToArray();
        var k = 0;
        long light = 0;
        while (k < weights.Length && light + weights[k] <= capacity)
        {
            light += weights[k++];
        }

        if (k == 0)
        {
            return (0, 0);
        }

        // An item of a k-set weighs at most C minus the k−1 lightest of the others, so heavier ones cannot take part.
        var maxItem = capacity - (light - weights[k - 1]);
        var words = (capacity >> 6) + 1;
        var dp = new ulong[k + 1][];
        for (var j = 0; j <= k; j++)
        {
            dp[j] = new ulong[words];
        }

        dp[0][0] = 1;
        var seen = 0;
        foreach (var w in weights)
        {
            if (w > maxItem)
            {
                break;
            }

            seen++;
            for (var j = Math.Min(seen, k); j >= 1; j--)
            {
                OrShifted(dp[j], dp[j - 1], w);
            }
        }

        for (var total = capacity; total >= 0; total--)
        {
            if ((dp[k][total >> 6] & (1UL << (total & 63))) != 0)
            {
                return (k, total);
            }
        }

        throw new InvalidOperationException("the k lightest always fit");
    }

    private static void OrShifted(ulong[] target, ulong[] source, int shift)
    {
        var wordShift = shift >> 6;
        var bitShift = shift & 63;
        for (var w = target.Length - 1; w >= wordShift; w--)
        {
            var s = w - wordShift;
            var value = source[s] << bitShift;
            if (bitShift != 0 && s > 0)
            {
                value |= source[s - 1] >> (64 - bitShift);
            }

            target[w] |= value;
        }
    }
}
