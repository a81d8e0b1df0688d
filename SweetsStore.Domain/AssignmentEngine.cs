using System.Buffers;
using System.Numerics;

namespace SweetsStore.Domain;

/// <summary>
/// Chooses the bundle for one courier from candidate orders that already match its regions and hours.
/// <list type="number">
/// <item>The largest number of orders whose total weight is at most the capacity (always exact).</item>
/// <item>Among those, the heaviest total (exact while the search table fits <see cref="TableBudgetWords"/>).</item>
/// <item>Among those, the oldest orders: sets are compared by the ages of their orders sorted ascending,
/// lexicographically (the set holding the oldest order that differs wins). Exact under the same condition.</item>
/// </list>
/// </summary>
/// <remarks>
/// Why it is fast: with k the maximum count and L the weight of the k lightest orders, the slack is S = C − L.
/// Any other k-set is the lightest-k set with some orders dropped and as many added; a dropped order d costs
/// w_k − w_d ≥ 0 and an added order a costs w_a − w_k ≥ 0 and the total cost is at most S. So only orders
/// with weight in [w_k − S, w_k + S] matter, the lighter ones are in every best set, and the search is a
/// small dynamic program over (adds − drops, cost ≤ S) instead of a knapsack over the whole pool.
/// </remarks>
public static class AssignmentEngine
{
    /// <summary>Upper bound of the exact search table (64-bit words); above it the fallback runs.</summary>
    public const int TableBudgetWords = 1 << 20;

    private const int FirstReadBase = 16;
    private const int FirstReadHundredthsPerRow = 100;

    /// <summary>
    /// How many orders per region a lightest-first read of the pool takes first (it reads on, in the regions it cut,
    /// while <see cref="TryFindCutoff"/> says the best bundle may need more). It grows with the capacity, i.e. with how
    /// many light orders a bundle can hold; sized near what a best bundle needs (on the bench's pool the first read
    /// covers ~95 % of the regions; docs/decisions/0016, "Tight first reads"), since reading on costs only the rows
    /// not read yet.
    /// </summary>
    public static int FirstReadPerRegion(Weight capacity) => FirstReadBase + (capacity.HundredthsOfKg / FirstReadHundredthsPerRow);

    /// <summary>
    /// For candidates sorted by weight ascending: the maximum count and the heaviest weight that can appear in a
    /// best bundle. Returns false when every candidate fits together (the caller has not seen enough of the
    /// pool to know the cut-off). A caller reading the pool lightest-first may stop after the last order with
    /// weight ≤ <paramref name="heaviestUseful"/>.
    /// </summary>
    public static bool TryFindCutoff(ReadOnlySpan<int> ascendingHundredths, Weight capacity, out int maxCount, out int heaviestUseful)
    {
        long sum = 0;
        for (var i = 0; i < ascendingHundredths.Length; i++)
        {
            if (sum + ascendingHundredths[i] > capacity.HundredthsOfKg)
            {
                maxCount = i;
                heaviestUseful = i == 0 ? -1 : (int)(capacity.HundredthsOfKg - (sum - ascendingHundredths[i - 1]));
                return true;
            }

            sum += ascendingHundredths[i];
        }

        maxCount = ascendingHundredths.Length;
        heaviestUseful = int.MaxValue;
        return false;
    }

    /// <summary>Chooses the bundle. Candidates heavier than the capacity are ignored; the input is not changed.</summary>
    public static Selection Choose(IReadOnlyList<Candidate> candidates, Weight capacity) =>
        Choose(candidates, capacity, TableBudgetWords);

    /// <summary>As <see cref="Choose(IReadOnlyList{Candidate}, Weight)"/> with another table budget (tests force the fallback).</summary>
    internal static Selection Choose(IReadOnlyList<Candidate> candidates, Weight capacity, long tableBudgetWords)
    {
        var c = capacity.HundredthsOfKg;
        var sorted = Fitting(candidates, c);
        Array.Sort(sorted, static (a, b) => a.Weight.HundredthsOfKg != b.Weight.HundredthsOfKg
            ? a.Weight.HundredthsOfKg.CompareTo(b.Weight.HundredthsOfKg)
            : a.Age != b.Age ? a.Age.CompareTo(b.Age) : a.OrderId.CompareTo(b.OrderId));

        var k = 0;
        var light = 0;
        while (k < sorted.Length && light + sorted[k].Weight.HundredthsOfKg <= c)
        {
            light += sorted[k].Weight.HundredthsOfKg;
            k++;
        }

        var slack = c - light;
        if (k == 0 || k == sorted.Length || slack == 0)
        {
            return Result(sorted.AsSpan(0, k).ToArray(), light, exact: true);
        }

        var problem = SwapProblem.Build(sorted, k, slack);
        if (problem.MaxSwaps == 0)
        {
            return Result(sorted.AsSpan(0, k).ToArray(), light, exact: true);
        }

        return problem.TableWords <= tableBudgetWords
            ? problem.SolveExactly(sorted, k, light)
            : problem.SolveBySingleSwaps(sorted, k, light);
    }

    /// <summary>The candidates of at most <paramref name="capacity"/> hundredths, copied (the input is not changed).</summary>
    private static Candidate[] Fitting(IReadOnlyList<Candidate> candidates, int capacity)
    {
        var count = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i].Weight.HundredthsOfKg <= capacity)
            {
                count++;
            }
        }

        var fitting = new Candidate[count];
        for (int i = 0, j = 0; j < count; i++)
        {
            if (candidates[i].Weight.HundredthsOfKg <= capacity)
            {
                fitting[j++] = candidates[i];
            }
        }

        return fitting;
    }

    private static Selection Result(Candidate[] chosen, int total, bool exact)
    {
        Array.Sort(chosen, static (a, b) => a.Age != b.Age ? a.Age.CompareTo(b.Age) : a.OrderId.CompareTo(b.OrderId));
        return new Selection(chosen, Weight.FromHundredthsOfKg(total), exact);
    }

    /// <summary>
    /// The orders that may be swapped relative to the lightest-k set, each with its cost and direction
    /// (−1: drop an order of the set, +1: add an order from outside), ordered by age.
    /// </summary>
    private sealed class SwapProblem
    {
        private readonly Move[] _moves;
        private readonly int _slack;
        private readonly int _words;

        private SwapProblem(Move[] moves, int slack, int maxSwaps)
        {
            _moves = moves;
            _slack = slack;
            _words = (slack >> 6) + 1;
            MaxSwaps = maxSwaps;
        }

        public int MaxSwaps { get; }

        private int Balances => (2 * MaxSwaps) + 1;

        public long TableWords => (long)(_moves.Length + 1) * Balances * _words;

        /// <remarks>
        /// <paramref name="sorted"/> is by weight, then age, then id, so the drops are one run of it (the heaviest of
        /// the lightest k, costs falling as the index rises), the adds the run after it (costs rising), and orders of
        /// equal weight (equal cost) sit together, oldest first. Built by index, without sorting or grouping again: it
        /// runs on every assign (docs/decisions/0016, "The API's CPU per assign").
        /// </remarks>
        public static SwapProblem Build(Candidate[] sorted, int k, int slack)
        {
            var wk = sorted[k - 1].Weight.HundredthsOfKg;
            var firstDrop = k - 1; // the last of the lightest k costs nothing to drop
            while (firstDrop > 0 && wk - sorted[firstDrop - 1].Weight.HundredthsOfKg <= slack)
            {
                firstDrop--;
            }

            var endAdd = k;
            while (endAdd < sorted.Length && sorted[endAdd].Weight.HundredthsOfKg - wk <= slack)
            {
                endAdd++;
            }

            var maxSwaps = MaxSwapCount(sorted, firstDrop, k, endAdd, wk, slack);
            if (maxSwaps == 0)
            {
                return new SwapProblem([], slack, 0);
            }

            // Of equal-weight orders a best set drops the newest and adds the oldest, and never more than
            // maxSwaps of one weight: the rest cannot take part and stay as they are.
            var moves = new List<Move>(endAdd - firstDrop);
            for (var runStart = firstDrop; runStart < k;)
            {
                var runEnd = RunEnd(sorted, runStart, k);
                for (var i = Math.Max(runStart, runEnd - maxSwaps); i < runEnd; i++)
                {
                    moves.Add(new Move(i, -1, wk - sorted[i].Weight.HundredthsOfKg, sorted[i].Age, sorted[i].OrderId));
                }

                runStart = runEnd;
            }

            for (var runStart = k; runStart < endAdd;)
            {
                var runEnd = RunEnd(sorted, runStart, endAdd);
                for (var i = runStart; i < Math.Min(runEnd, runStart + maxSwaps); i++)
                {
                    moves.Add(new Move(i, +1, sorted[i].Weight.HundredthsOfKg - wk, sorted[i].Age, sorted[i].OrderId));
                }

                runStart = runEnd;
            }

            moves.Sort(static (a, b) => a.Age != b.Age ? a.Age.CompareTo(b.Age) : a.OrderId.CompareTo(b.OrderId));
            return new SwapProblem(moves.ToArray(), slack, maxSwaps);
        }

        /// <summary>The end of the run of orders as heavy as <c>sorted[start]</c>, at most <paramref name="end"/>.</summary>
        private static int RunEnd(Candidate[] sorted, int start, int end)
        {
            var i = start + 1;
            while (i < end && sorted[i].Weight == sorted[start].Weight)
            {
                i++;
            }

            return i;
        }

        // Each useful swap pairs a drop with an add and at least one of the two costs something
        // (a free-for-free swap only trades an order for a newer one of the same weight).
        // The drops are sorted[firstDrop..k) (cheapest last), the adds sorted[k..endAdd) (cheapest first).
        private static int MaxSwapCount(Candidate[] sorted, int firstDrop, int k, int endAdd, int wk, int slack)
        {
            var drops = k - firstDrop;
            var adds = endAdd - k;
            var pairs = Math.Min(drops, adds);
            if (pairs == 0)
            {
                return 0;
            }

            int DropCost(int j) => wk - sorted[k - 1 - j].Weight.HundredthsOfKg; // j-th cheapest drop
            int AddCost(int j) => sorted[k + j].Weight.HundredthsOfKg - wk;     // j-th cheapest add

            long spent = 0;
            var byPairs = 0;
            while (byPairs < pairs && spent + DropCost(byPairs) + AddCost(byPairs) <= slack)
            {
                spent += DropCost(byPairs) + AddCost(byPairs);
                byPairs++;
            }

            // The positive costs of both, cheapest first (a merge of the two ascending runs).
            var byPositive = 0;
            spent = 0;
            var d = 0;
            var a = 0;
            while (d < drops && DropCost(d) == 0)
            {
                d++;
            }

            while (a < adds && AddCost(a) == 0)
            {
                a++;
            }

            while (d < drops || a < adds)
            {
                int cost;
                if (a >= adds || (d < drops && DropCost(d) <= AddCost(a)))
                {
                    cost = DropCost(d++);
                }
                else
                {
                    cost = AddCost(a++);
                }

                if (spent + cost > slack)
                {
                    break;
                }

                spent += cost;
                byPositive++;
            }

            return Math.Min(byPairs, byPositive);
        }

        /// <summary>
        /// Suffix table: row i, balance b holds the bit set of costs reachable by moves i..end with adds − drops
        /// = b. The best cost is the highest bit of row 0 at balance 0; walking oldest-first and preferring
        /// "the order is in the set" whenever the rest can still reach it yields the oldest best set.
        /// </summary>
        public Selection SolveExactly(Candidate[] sorted, int k, int light)
        {
            var rowWords = Balances * _words;
            var length = checked((int)TableWords);
            var table = ArrayPool<ulong>.Shared.Rent(length);
            try
            {
                var span = table.AsSpan(0, length);
                span.Clear();
                var n = _moves.Length;
                Row(span, n, 0)[0] = 1UL;
                for (var i = n - 1; i >= 0; i--)
                {
                    var move = _moves[i];
                    for (var b = -MaxSwaps; b <= MaxSwaps; b++)
                    {
                        var target = Row(span, i, b);
                        Row(span, i + 1, b).CopyTo(target);
                        var from = b - move.Direction;
                        if (from >= -MaxSwaps && from <= MaxSwaps)
                        {
                            OrShifted(target, Row(span, i + 1, from), move.Cost);
                        }
                    }
                }

                var best = HighestBit(Row(span, 0, 0));
                var inSet = new bool[sorted.Length];
                for (var i = 0; i < k; i++)
                {
                    inSet[i] = true;
                }

                var needBalance = 0;
                var needCost = best;
                for (var i = 0; i < n; i++)
                {
                    var move = _moves[i];
                    var isDrop = move.Direction < 0;

                    // Preferred: the order ends in the set (keep a drop candidate, take an add candidate).
                    bool preferred = isDrop
                        ? Has(Row(span, i + 1, needBalance), needCost)
                        : Reachable(span, i + 1, needBalance - 1, needCost - move.Cost);
                    if (isDrop == preferred)
                    {
                        continue;
                    }

                    inSet[move.Index] = !isDrop;
                    needBalance -= move.Direction;
                    needCost -= move.Cost;
                }

                var chosen = new List<Candidate>(k);
                for (var i = 0; i < sorted.Length; i++)
                {
                    if (inSet[i])
                    {
                        chosen.Add(sorted[i]);
                    }
                }

                return Result(chosen.ToArray(), light + best, exact: true);
            }
            finally
            {
                ArrayPool<ulong>.Shared.Return(table);
            }

            Span<ulong> Row(Span<ulong> all, int row, int balance) =>
                all.Slice((row * rowWords) + ((balance + MaxSwaps) * _words), _words);

            bool Reachable(Span<ulong> all, int row, int balance, int cost) =>
                balance >= -MaxSwaps && balance <= MaxSwaps && cost >= 0 && Has(Row(all, row, balance), cost);
        }

        /// <summary>
        /// Fallback for search tables over budget: start from the lightest k and apply the best single
        /// drop-one/add-one exchange while one improves the total. Count exact; total ≥ the lightest k and
        /// ≤ capacity; no single exchange improves the result.
        /// </summary>
        public Selection SolveBySingleSwaps(Candidate[] sorted, int k, int light)
        {
            var inSet = new bool[sorted.Length];
            for (var i = 0; i < k; i++)
            {
                inSet[i] = true;
            }

            var excess = 0;
            while (true)
            {
                var room = _slack - excess;
                var bestGain = 0;
                (int Drop, int Add) best = (-1, -1);
                foreach (var add in _moves.Where(m => m.Direction > 0 && !inSet[m.Index]))
                {
                    foreach (var drop in _moves.Where(m => m.Direction < 0 && inSet[m.Index]))
                    {
                        var gain = sorted[add.Index].Weight.HundredthsOfKg - sorted[drop.Index].Weight.HundredthsOfKg;
                        if (gain > bestGain && gain <= room)
                        {
                            bestGain = gain;
                            best = (drop.Index, add.Index);
                        }
                    }
                }

                if (bestGain == 0)
                {
                    break;
                }

                inSet[best.Drop] = false;
                inSet[best.Add] = true;
                excess += bestGain;
            }

            var chosen = sorted.Where((_, i) => inSet[i]).ToArray();
            return Result(chosen, light + excess, exact: false);
        }

        private static void OrShifted(Span<ulong> target, ReadOnlySpan<ulong> source, int shift)
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

        private int HighestBit(ReadOnlySpan<ulong> bits)
        {
            for (var w = bits.Length - 1; w >= 0; w--)
            {
                var word = w == bits.Length - 1 ? bits[w] & LastWordMask : bits[w];
                if (word != 0)
                {
                    return (w << 6) + 63 - BitOperations.LeadingZeroCount(word);
                }
            }

            throw new InvalidOperationException("the empty swap set is always reachable");
        }

        private ulong LastWordMask => (_slack & 63) == 63 ? ulong.MaxValue : (1UL << ((_slack & 63) + 1)) - 1;

        private bool Has(ReadOnlySpan<ulong> bits, int cost) =>
            cost >= 0 && cost <= _slack && (bits[cost >> 6] & (1UL << (cost & 63))) != 0;

        private readonly record struct Move(int Index, int Direction, int Cost, long Age, long OrderId);
    }
}
