namespace SweetsStore.Bench.Load;

/// <summary>Latency samples in milliseconds and their nearest-rank percentiles.</summary>
internal sealed class Latencies
{
    private readonly List<double> _ms = [];
    private double[]? _sorted;

    public int Count => _ms.Count;

    public IReadOnlyList<double> Samples => _ms;

    public void Add(double ms)
    {
        _ms.Add(ms);
        _sorted = null;
    }

    public void AddRange(IEnumerable<double> ms)
    {
        _ms.AddRange(ms);
        _sorted = null;
    }

    public double Percentile(double p)
    {
        _sorted ??= _ms.Order().ToArray();
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * _sorted.Length);
        return _sorted[Math.Clamp(rank - 1, 0, _sorted.Length - 1)];
    }

    public double P50 => Percentile(50);

    public double P99 => Percentile(99);

    public double Mean => _ms.Count == 0 ? double.NaN : _ms.Average();

    public double Max => _ms.Count == 0 ? double.NaN : _ms.Max();

    public Dictionary<string, object?> Summary() => new()
    {
        ["n"] = Count,
        ["p50_ms"] = Round(P50),
        ["p90_ms"] = Round(Percentile(90)),
        ["p99_ms"] = Round(P99),
        ["max_ms"] = Round(Max),
        ["mean_ms"] = Round(Mean),
    };

    public static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 3) : double.NaN;

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
