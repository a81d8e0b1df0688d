using System.Diagnostics.Metrics;

namespace SweetsStore.Api.Telemetry;

/// <summary>The last 15 minutes in 5-second steps, oldest first: rates per second, and assign latency in ms (null: no assign).</summary>
public sealed record LiveSeries(
    int StepSeconds, DateTimeOffset End, double[] AssignsPerSecond, double[] CompletesPerSecond, double?[] AssignP50Ms, double?[] AssignP99Ms);

/// <summary>
/// The dashboard's charts, from this process's own metrics: a <see cref="MeterListener"/> on the assign and complete
/// counters of <see cref="StoreMetrics"/> and on ASP.NET Core's request duration of <c>POST /orders/assign</c>, summed
/// into 5-second steps over the last 15 minutes (a ring of 180; latencies in 4 %-wide logarithmic buckets, from
/// which p50 and p99 are read). Only this host's instruments count (its <see cref="IMeterFactory"/>), and every
/// replica charts what it served itself. Real time, not the store's clock.
/// </summary>
public sealed class LiveRates : IDisposable
{
    public const int StepSeconds = 5;
    public const int Steps = 15 * 60 / StepSeconds;

    private const string AssignRoute = "orders/assign";

    // Latency buckets: bucket i holds [Floor · Growth^i, Floor · Growth^(i+1)) ms; the last one everything above.
    private const double FloorMs = 0.05;
    private const double Growth = 1.04;
    private const int LatencyBuckets = 400; // up to 0.05 ms · 1.04^400 ≈ 330 s
    private static readonly double LogGrowth = Math.Log(Growth);

    private readonly Step[] _ring = new Step[Steps];
    private readonly MeterListener _listener = new();
    private readonly TimeProvider _time;

    public LiveRates(IMeterFactory meters, StoreMetrics metrics, TimeProvider time)
    {
        _time = time;
        for (var i = 0; i < _ring.Length; i++)
        {
            _ring[i] = new Step();
        }

        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name is StoreMetrics.Assigns or StoreMetrics.Completes)
            {
                listener.EnableMeasurementEvents(instrument, instrument.Name == StoreMetrics.Assigns ? Kind.Assign : Kind.Complete);
            }
            else if (instrument.Name == "http.server.request.duration" && instrument.Meter.Name == "Microsoft.AspNetCore.Hosting"
                && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, state) => Count((Kind)state!, value));
        _listener.SetMeasurementEventCallback<double>(static (_, seconds, tags, state) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "http.route")
                {
                    if (tag.Value is AssignRoute)
                    {
                        ((LiveRates)state!).Latency(seconds * 1000);
                    }

                    return;
                }
            }
        });
        _listener.Start();
    }

    private enum Kind
    {
        Assign,
        Complete,
    }

    /// <summary>The 180 completed steps before the current one, oldest first.</summary>
    public LiveSeries Snapshot()
    {
        var now = _time.GetUtcNow();
        var current = Epoch(now);
        var assigns = new double[Steps];
        var completes = new double[Steps];
        var p50 = new double?[Steps];
        var p99 = new double?[Steps];
        var counts = new int[LatencyBuckets];
        for (var i = 0; i < Steps; i++)
        {
            var epoch = current - Steps + i;
            var step = _ring[epoch % Steps];
            lock (step)
            {
                if (step.Epoch != epoch)
                {
                    continue;
                }

                assigns[i] = (double)step.Assigns / StepSeconds;
                completes[i] = (double)step.Completes / StepSeconds;
                if (step.Timed > 0)
                {
                    step.Latencies.CopyTo(counts, 0);
                    p50[i] = Percentile(counts, step.Timed, 0.50);
                    p99[i] = Percentile(counts, step.Timed, 0.99);
                }
            }
        }

        return new LiveSeries(StepSeconds, DateTimeOffset.FromUnixTimeSeconds(current * StepSeconds), assigns, completes, p50, p99);
    }

    public void Dispose() => _listener.Dispose();

    private static long Epoch(DateTimeOffset at) => at.ToUnixTimeSeconds() / StepSeconds;

    // The value below which the given share of the step's assigns finished: its bucket's geometric middle (±2 %).
    private static double Percentile(int[] counts, long total, double share)
    {
        var rank = (long)Math.Ceiling(share * total);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return Math.Round(FloorMs * Math.Pow(Growth, i + 0.5), 3);
            }
        }

        return Math.Round(FloorMs * Math.Pow(Growth, counts.Length), 3);
    }

    private Step Current()
    {
        var epoch = Epoch(_time.GetUtcNow());
        var step = _ring[epoch % Steps];
        if (step.Epoch != epoch)
        {
            lock (step)
            {
                if (step.Epoch != epoch)
                {
                    step.Reset(epoch);
                }
            }
        }

        return step;
    }

    private void Count(Kind kind, long value)
    {
        var step = Current();
        lock (step)
        {
            if (kind == Kind.Assign)
            {
                step.Assigns += value;
            }
            else
            {
                step.Completes += value;
            }
        }
    }

    private void Latency(double ms)
    {
        var bucket = ms <= FloorMs ? 0 : Math.Min(LatencyBuckets - 1, (int)(Math.Log(ms / FloorMs) / LogGrowth));
        var step = Current();
        lock (step)
        {
            step.Latencies[bucket]++;
            step.Timed++;
        }
    }

    private sealed class Step
    {
        public long Epoch = -1;
        public long Assigns;
        public long Completes;
        public long Timed;
        public readonly int[] Latencies = new int[LatencyBuckets];

        public void Reset(long epoch)
        {
            Epoch = epoch;
            Assigns = 0;
            Completes = 0;
            Timed = 0;
            Array.Clear(Latencies);
        }
    }
}
