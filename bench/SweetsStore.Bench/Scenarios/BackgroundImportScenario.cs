using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Load;
using SweetsStore.Bench.Report;

namespace SweetsStore.Bench.Scenarios;

/// <summary>
/// Background imports on Hangfire (docs/decisions/0011). Three rows:
/// <list type="bullet">
/// <item><c>background_import_1m</c>: 1,000,000 orders through <c>POST /imports/orders</c> (one NDJSON body; from the
/// POST until <c>GET /imports/{id}</c> says succeeded) against the synchronous import of the same rows in the same run
/// (<c>POST /orders</c>, as two bodies of 500,000: the 64 MiB body limit), each into an empty orders table, alternating
/// which goes first; medians.</item>
/// <item><c>background_import_1m_peak_rss</c>: the API's peak resident memory during the background imports (VmHWM
/// after a reset, and VmRSS sampled every 20 ms).</item>
/// <item><c>idle_cpu_hangfire</c>: the API process's CPU while idle with its Hangfire servers running (workers polling,
/// schedulers, keep-alives, the minutely orphan sweep), from /proc/PID/stat over a minute (20 s with --quick).</item>
/// </list>
/// </summary>
internal static class BackgroundImportScenario
{
    public const long FirstOrderId = 70_000_001;
    private const int SyncBody = 500_000;
    private const int ClockTicksPerSecond = 100; // USER_HZ, 100 on Linux

    public static async Task<List<ScenarioResult>> RunAsync(BenchContext ctx)
    {
        Ui.Section("background import on Hangfire vs the synchronous import of the same rows; idle CPU");
        if (ctx.ApiPid is not { } pid)
        {
            throw new InvalidOperationException("the API's process id was not given (--api-pid)");
        }

        var count = ctx.Sizes.MemoryOrders;
        var runs = ctx.Sizes.Mode == "quick" ? 1 : 3;
        var rows = Fakes.Orders(FirstOrderId, count, Fakes.Seed + 17);
        var ndjson = Fakes.OrdersNdjson(rows);
        var bodies = rows.Chunk(SyncBody).Select(Fakes.OrdersJson).ToArray();
        rows = null;
        GC.Collect();

        // Warm-up, not counted: both paths a few times with 10,000 rows (a fresh API runs the import loop in tier-0
        // JIT code for its first requests, which would favour whichever path goes second).
        var warmRows = Fakes.Orders(FirstOrderId + count, 10_000, Fakes.Seed + 18);
        var (warmJson, warmNdjson) = (Fakes.OrdersJson(warmRows), Fakes.OrdersNdjson(warmRows));
        for (var i = 0; i < 4; i++)
        {
            await ctx.Db.ExecuteAsync("TRUNCATE orders");
            await ctx.Api.PostAsync("/orders", warmJson, HttpStatusCode.Created);
            await ctx.Db.ExecuteAsync("TRUNCATE orders");
            var (warmStatus, _, warmHeaders) = await ctx.Api.SendAsync(HttpMethod.Post, "/imports/orders", warmNdjson, "application/x-ndjson");
            if (warmStatus != HttpStatusCode.Accepted || warmHeaders.Location is null)
            {
                throw new InvalidOperationException($"POST /imports/orders (warm-up): {(int)warmStatus}");
            }

            (await WaitAsync(ctx, warmHeaders.Location.ToString(), TimeSpan.FromMinutes(2))).Dispose();
        }

        var syncRates = new List<double>();
        var backgroundRates = new List<double>();
        var uploads = new List<double>();
        var loads = new List<double>();
        var peakKb = 0L;
        var hwmReset = true;
        for (var run = 0; run < runs; run++)
        {
            foreach (var inBackground in run % 2 == 0 ? new[] { false, true } : [true, false])
            {
                await ctx.Db.ExecuteAsync("TRUNCATE orders");
                if (!inBackground)
                {
                    var started = Stopwatch.GetTimestamp();
                    foreach (var body in bodies)
                    {
                        await ctx.Api.PostAsync("/orders", body, HttpStatusCode.Created);
                    }

                    syncRates.Add(count / Stopwatch.GetElapsedTime(started).TotalSeconds);
                    Ui.Info($"run {run + 1}: synchronous {syncRates[^1]:N0} orders/s");
                    continue;
                }

                hwmReset &= TryResetPeak(pid);
                using var sampler = new RssSampler(pid);
                var begun = Stopwatch.GetTimestamp();
                var (status, answer, headers) = await ctx.Api.SendAsync(HttpMethod.Post, "/imports/orders", ndjson, "application/x-ndjson");
                if (status != HttpStatusCode.Accepted || headers.Location is null)
                {
                    throw new InvalidOperationException($"POST /imports/orders: {(int)status} {Api.Truncate(answer)}");
                }

                uploads.Add(Stopwatch.GetElapsedTime(begun).TotalSeconds);
                using var final = await WaitAsync(ctx, headers.Location.ToString(), TimeSpan.FromMinutes(15));
                var elapsed = Stopwatch.GetElapsedTime(begun);
                sampler.Stop();
                var state = final.RootElement.GetProperty("status").GetString();
                if (state != "succeeded")
                {
                    throw new InvalidOperationException($"the background import ended {state}: {final.RootElement}");
                }

                backgroundRates.Add(count / elapsed.TotalSeconds);
                loads.Add(final.RootElement.GetProperty("duration_seconds").GetDouble());
                var hwm = hwmReset ? MemoryScenario.ReadStatus(pid).GetValueOrDefault("VmHWM") : 0;
                peakKb = Math.Max(peakKb, Math.Max(hwm, sampler.MaxRssKb));
                Ui.Info($"run {run + 1}: background {backgroundRates[^1]:N0} orders/s (upload {uploads[^1]:0.00} s, load {loads[^1]:0.00} s), peak RSS {peakKb / 1024.0:0.0} MiB");
            }
        }

        await ctx.Db.ExecuteAsync("TRUNCATE orders");
        var sync = Latencies.Median(syncRates);
        var background = Latencies.Median(backgroundRates);
        var throughput = new ScenarioResult
        {
            Name = "background_import_1m",
            Unit = "orders/s",
            Value = Math.Round(background),
            Baseline = Math.Round(sync),
            Ratio = Shown.Floor(background / sync, 3),
            RatioMeaning = "background import orders/s (POST until succeeded) ÷ synchronous POST /orders orders/s, same rows, same run",
            Target = "≥ 0.8 × the synchronous import",
            Met = background / sync >= 0.8,
            Data = $"{count:N0} orders: one {ndjson.Length / 1024.0 / 1024.0:0} MiB NDJSON body vs {bodies.Length} JSON bodies of {SyncBody:N0}; empty orders table each time",
        };
        throughput.Details["runs"] = runs;
        throughput.Details["background_orders_per_s_each_run"] = backgroundRates.Select(r => Math.Round(r)).ToArray();
        throughput.Details["sync_orders_per_s_each_run"] = syncRates.Select(r => Math.Round(r)).ToArray();
        throughput.Details["upload_until_202_s_each_run"] = uploads.Select(s => Math.Round(s, 2)).ToArray();
        throughput.Details["job_load_s_each_run"] = loads.Select(s => Math.Round(s, 2)).ToArray();

        var memory = new ScenarioResult
        {
            Name = "background_import_1m_peak_rss",
            Unit = "MiB",
            Value = Math.Round(peakKb / 1024.0, 1),
            Target = "peak RSS ≤ 400 MB",
            Met = peakKb * 1024.0 <= 400e6,
            Data = $"{count:N0} orders, {runs} background import(s); the highest peak",
        };
        memory.Details["vmhwm_reset"] = hwmReset;

        return [throughput, memory, await IdleAsync(ctx, pid)];
    }

    private static async Task<ScenarioResult> IdleAsync(BenchContext ctx, int pid)
    {
        var seconds = ctx.Sizes.Mode == "quick" ? 20 : 60;
        await Task.Delay(TimeSpan.FromSeconds(3)); // the last import's job ends and its GC settles
        var before = Ticks(pid);
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var cpu = (double)(Ticks(pid) - before) / ClockTicksPerSecond;
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var share = cpu / wall;
        Ui.Info($"idle: {cpu:0.00} s of CPU in {wall:0.0} s = {share:P2} of one core");
        var jobs = await ctx.Db.ScalarAsync<long>("SELECT count(*) FROM hangfire.server");
        var result = new ScenarioResult
        {
            Name = "idle_cpu_hangfire",
            Unit = "% of one core",
            Value = Shown.Floor(share * 100, 2),
            Target = "< 2 % of one core",
            Met = share < 0.02,
            Data = $"the API process idle for {seconds} s, {jobs} Hangfire servers registered (imports and maintenance per process)",
        };
        result.Details["cpu_s"] = Math.Round(cpu, 2);
        result.Details["wall_s"] = Math.Round(wall, 1);
        return result;
    }

    private static async Task<JsonDocument> WaitAsync(BenchContext ctx, string location, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (status, body) = await ctx.Api.GetAsync(location);
            if (status != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {location}: {(int)status}");
            }

            var doc = JsonDocument.Parse(body);
            if (doc.RootElement.GetProperty("status").GetString() is "succeeded" or "failed")
            {
                return doc;
            }

            doc.Dispose();
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{location} did not end within {timeout}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>utime + stime of the process, in clock ticks (fields 14 and 15 of /proc/PID/stat).</summary>
    private static long Ticks(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static bool TryResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private sealed class RssSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _task;
        private long _max;

        public RssSampler(int pid) =>
            _task = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var rss = MemoryScenario.ReadStatus(pid).GetValueOrDefault("VmRSS");
                        Interlocked.Exchange(ref _max, Math.Max(Interlocked.Read(ref _max), rss));
                        await Task.Delay(20, _stop.Token);
                    }
                    catch (Exception e) when (e is OperationCanceledException or IOException)
                    {
                        break;
                    }
                }
            });

        public long MaxRssKb => Interlocked.Read(ref _max);

        public void Stop()
        {
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
                _task.Wait();
            }
        }

        public void Dispose()
        {
            Stop();
            _stop.Dispose();
        }
    }
}
