using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SweetsStore.Reliability;

/// <summary>Latencies of one kind of request, and percentiles over them.</summary>
public sealed class Latencies
{
    private readonly List<double> _values = [];

    public void Add(double milliseconds)
    {
        lock (_values)
        {
            _values.Add(milliseconds);
        }
    }

    public int Count
    {
        get
        {
            lock (_values)
            {
                return _values.Count;
            }
        }
    }

    /// <summary>Nearest-rank percentile (p in 0..100) in milliseconds; NaN when empty.</summary>
    public double Percentile(double p)
    {
        lock (_values)
        {
            if (_values.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _values.Order().ToArray();
            var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
        }
    }

    public string Summary() => Count == 0
        ? "no samples"
        : string.Create(CultureInfo.InvariantCulture, $"p50 {Percentile(50):0.0} ms, p90 {Percentile(90):0.0} ms, p99 {Percentile(99):0.0} ms, max {Percentile(100):0.0} ms (n={Count})");
}

/// <summary>Requests per endpoint: status counts (0 = no answer), latencies, 4xx reasons and samples of anything unexpected.</summary>
public sealed class Recorder
{
    private readonly ConcurrentDictionary<string, Endpoint> _endpoints = new();
    private readonly ConcurrentQueue<string> _unexpected = new();
    private long _unexpectedCount;

    public sealed class Endpoint
    {
        public ConcurrentDictionary<int, long> Statuses { get; } = new();

        public ConcurrentDictionary<string, long> Reasons { get; } = new();

        public Latencies Latencies { get; } = new();

        public long Total => Statuses.Values.Sum();
    }

    public long UnexpectedCount => Interlocked.Read(ref _unexpectedCount);

    public long Count(Func<int, bool> status) => _endpoints.Values.Sum(e => e.Statuses.Where(s => status(s.Key)).Sum(s => s.Value));

    public Endpoint For(string endpoint) => _endpoints.GetOrAdd(endpoint, _ => new Endpoint());

    public void Record(string endpoint, Reply reply, string? reason = null)
    {
        var e = For(endpoint);
        e.Statuses.AddOrUpdate(reply.Status, 1, (_, n) => n + 1);
        if (reply.Status != 0)
        {
            e.Latencies.Add(reply.Milliseconds);
        }

        if (reason is not null)
        {
            e.Reasons.AddOrUpdate(reason, 1, (_, n) => n + 1);
        }
    }

    /// <summary>Counts a reply that breaks a check, keeping the first few for the report.</summary>
    public void Unexpected(string endpoint, Reply reply, string why)
    {
        if (Interlocked.Increment(ref _unexpectedCount) <= 12)
        {
            var body = reply.Body.Length > 240 ? reply.Body[..240] + "…" : reply.Body;
            _unexpected.Enqueue($"{endpoint} → {(reply.Status == 0 ? reply.Transport : reply.Status.ToString(CultureInfo.InvariantCulture))}: {why}: {body}");
        }
    }

    public string Report()
    {
        var text = new StringBuilder();
        foreach (var (name, e) in _endpoints.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var statuses = string.Join(", ", e.Statuses.OrderBy(s => s.Key).Select(s => $"{(s.Key == 0 ? "no answer" : s.Key.ToString(CultureInfo.InvariantCulture))}×{s.Value}"));
            text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-22} {e.Total,8} requests  [{statuses}]");
            text.AppendLine(CultureInfo.InvariantCulture, $"  {"",-22} latency {e.Latencies.Summary()}");
            foreach (var (reason, n) in e.Reasons.OrderByDescending(r => r.Value))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {"",-22} {n,8} × {reason}");
            }
        }

        foreach (var sample in _unexpected)
        {
            text.AppendLine("  UNEXPECTED " + sample);
        }

        return text.ToString();
    }
}

/// <summary>Per-second counts of answers by class, to see an outage and the recovery in a load run.</summary>
public sealed class Timeline
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly ConcurrentDictionary<int, long[]> _seconds = new();

    /// <summary>Counts an answer in the second (since this timeline began) its request started.</summary>
    public void Record(long startedTimestamp, int status)
    {
        var second = (int)Stopwatch.GetElapsedTime(_start, startedTimestamp).TotalSeconds;
        var slot = status switch { 0 => 0, < 300 => 1, < 500 => 2, 503 => 3, _ => 4 };
        var row = _seconds.GetOrAdd(second, _ => new long[5]);
        Interlocked.Increment(ref row[slot]);
    }

    public string Report()
    {
        var text = new StringBuilder("  second: 2xx/4xx/503/other-5xx/no-answer\n  ");
        var n = 0;
        foreach (var (second, row) in _seconds.OrderBy(p => p.Key))
        {
            text.Append(CultureInfo.InvariantCulture, $"{second,3}s {row[1]}/{row[2]}/{row[3]}/{row[4]}/{row[0]}  ");
            if (++n % 6 == 0)
            {
                text.Append("\n  ");
            }
        }

        return text.ToString().TrimEnd() + "\n";
    }
}
