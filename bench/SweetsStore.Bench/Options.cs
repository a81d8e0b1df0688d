using System.Globalization;

namespace SweetsStore.Bench;

/// <summary>Command-line options: <c>--name value</c> pairs and the <c>--quick</c> flag.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public bool Quick { get; private set; }

    public static Options Parse(IReadOnlyList<string> args)
    {
        var options = new Options();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--quick")
            {
                options.Quick = true;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Count)
            {
                options._values[arg[2..]] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
        }

        return options;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");

    public int? GetInt(string name) => Get(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
}

/// <summary>Data sizes, repetitions and durations of one run.</summary>
internal sealed record Sizes
{
    public required string Mode { get; init; }

    public int ImportRuns { get; init; }

    /// <summary>
    /// Pairs of 10,000-order imports with and without an <c>Idempotency-Key</c> (~0.15 s a pair): one import's time
    /// spreads 45–120 ms here, so 15 pairs left the row's ratio ±0.08 and its <c>met</c> flipping (0016).
    /// </summary>
    public int KeyedImportPairs { get; init; }

    public int SmallPool { get; init; } = 100_000;

    public int LargePool { get; init; } = 1_000_000;

    public int SeqCouriers { get; init; }

    /// <summary>Runs of the sequential assigns on the 1M pool: the p99 row is their median (one run's p99 rests on its few slowest samples).</summary>
    public int SeqRuns { get; init; }

    /// <summary>Runs on the 100k pool (only its p50 is used, for the growth row).</summary>
    public int SeqRunsSmall { get; init; }

    public int WarmupCouriers { get; init; }

    /// <summary>How long the first warm-up of the assign path lasts at least (tiered JIT of a fresh API).</summary>
    public TimeSpan AssignWarmup { get; init; }

    public int Clients { get; init; } = 32;

    public int ConcurrentCouriers { get; init; }

    public int HotCouriers { get; init; }

    public int HotRegions { get; init; } = 10;

    public int ConcurrentRuns { get; init; }

    /// <summary>Completes measured per run: the orders of the first couriers (by id) up to this many.</summary>
    public int MaxCompletes { get; init; }

    public int HistoryCouriers { get; init; }

    public int DeliveriesPerCourier { get; init; } = 1000;

    public int OrdersPerBundle { get; init; } = 10;

    public TimeSpan GetWarmup { get; init; }

    /// <summary>GETs before the first measured run: a fresh API JIT-compiles (tier 0, then tier 1 with PGO) for seconds.</summary>
    public TimeSpan GetApiWarmup { get; init; }

    public TimeSpan GetDuration { get; init; }

    public int GetRuns { get; init; }

    public int MemoryOrders { get; init; }

    public static Sizes Quick => new()
    {
        Mode = "quick",
        ImportRuns = 2,
        KeyedImportPairs = 15,
        SeqCouriers = 500,
        SeqRuns = 3,
        SeqRunsSmall = 1,
        WarmupCouriers = 100,
        AssignWarmup = TimeSpan.FromSeconds(8),
        ConcurrentCouriers = 1000,
        HotCouriers = 150,
        ConcurrentRuns = 1,
        MaxCompletes = 15_000,
        HistoryCouriers = 100,
        GetWarmup = TimeSpan.FromSeconds(1),
        GetApiWarmup = TimeSpan.FromSeconds(8),
        GetDuration = TimeSpan.FromSeconds(4),
        GetRuns = 1,
        MemoryOrders = 1_000_000,
    };

    public static Sizes Full => new()
    {
        Mode = "full",
        ImportRuns = 15,
        KeyedImportPairs = 61,
        SeqCouriers = 1000,
        SeqRuns = 5,
        SeqRunsSmall = 3,
        WarmupCouriers = 200,
        AssignWarmup = TimeSpan.FromSeconds(20),
        ConcurrentCouriers = 4000,
        HotCouriers = 300,
        ConcurrentRuns = 5,
        MaxCompletes = 30_000,
        HistoryCouriers = 500,
        GetWarmup = TimeSpan.FromSeconds(2),
        GetApiWarmup = TimeSpan.FromSeconds(15),
        GetDuration = TimeSpan.FromSeconds(10),
        GetRuns = 5,
        MemoryOrders = 1_000_000,
    };
}
