using System.Collections.Concurrent;
using System.Diagnostics;

namespace SweetsStore.Bench.Load;

/// <summary>Closed-loop load: a fixed number of workers, each starting its next operation when the last one ends.</summary>
internal static class Runner
{
    /// <summary>Runs <paramref name="operation"/> once per item on <paramref name="workers"/> workers; returns wall time and latencies.</summary>
    public static async Task<(TimeSpan Wall, Latencies Latencies, int Errors, string? FirstError)> EachAsync<T>(
        IReadOnlyList<T> items, int workers, Func<T, Task> operation, Action<int>? progress = null)
    {
        var queue = new ConcurrentQueue<T>(items);
        var samples = new ConcurrentBag<double[]>();
        var errors = 0;
        string? firstError = null;
        var done = 0;
        var started = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (queue.TryDequeue(out var item))
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await operation(item);
                    mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }

                progress?.Invoke(Interlocked.Increment(ref done));
            }

            samples.Add(mine.ToArray());
        })).ToArray();
        await Task.WhenAll(tasks);
        var wall = Stopwatch.GetElapsedTime(started);
        var latencies = new Latencies();
        foreach (var s in samples)
        {
            latencies.AddRange(s);
        }

        return (wall, latencies, errors, firstError);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on <paramref name="workers"/> workers for <paramref name="warmup"/> (not counted)
    /// and then <paramref name="duration"/>; returns operations per second of the measured part.
    /// </summary>
    public static async Task<(double PerSecond, long Operations, Latencies Latencies, int Errors, string? FirstError)> ForAsync(
        int workers, TimeSpan warmup, TimeSpan duration, Func<int, long, Task> operation)
    {
        long counted = 0;
        var errors = 0;
        string? firstError = null;
        var measuring = 0;
        var stop = 0;
        var samples = new ConcurrentBag<double[]>();
        var tasks = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var mine = new List<double>();
            long i = 0;
            while (Volatile.Read(ref stop) == 0)
            {
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await operation(worker, i++);

                    // Throughput counts completions inside the measured window.
                    if (Volatile.Read(ref measuring) == 1)
                    {
                        Interlocked.Increment(ref counted);
                        mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }
            }

            samples.Add(mine.ToArray());
        })).ToArray();

        await Task.Delay(warmup);
        var started = Stopwatch.GetTimestamp();
        Volatile.Write(ref measuring, 1);
        await Task.Delay(duration);
        Volatile.Write(ref measuring, 0);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var operations = Interlocked.Read(ref counted);
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(tasks);
        var latencies = new Latencies();
        foreach (var s in samples)
        {
            latencies.AddRange(s);
        }

        return (operations / elapsed.TotalSeconds, operations, latencies, errors, firstError);
    }
}
