using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Report;

namespace SweetsStore.Bench.Scenarios;

/// <summary>
/// Peak resident memory of the API process while it takes a background import of 1,000,000 orders
/// (POST /imports/orders, NDJSON, then GET /imports/{id} until it ends). The peak comes from /proc/PID/status:
/// VmHWM after resetting it (/proc/PID/clear_refs) and VmRSS sampled every 20 ms, whichever is higher.
/// When the endpoint is missing (404/405) the scenario says so: no figure, not met.
/// </summary>
internal static class MemoryScenario
{
    public const long FirstOrderId = 50_000_001;
    private const string Name = "memory_background_import";
    private const string Unit = "MiB";
    private const string Target = "peak RSS ≤ 400 MB";

    public static async Task<List<ScenarioResult>> RunAsync(BenchContext ctx)
    {
        Ui.Section("memory: API peak RSS during a background import");
        var orders = ctx.Sizes.MemoryOrders;
        if (ctx.ApiPid is not { } pid)
        {
            return [ScenarioResult.Failed(Name, Unit, Target, new InvalidOperationException("the API's process id was not given (--api-pid)"))];
        }

        // Probe with an empty import: a missing endpoint answers 404 (or 405) before any real upload.
        var (probeStatus, probeBody, probeHeaders) = await ctx.Api.SendAsync(HttpMethod.Post, "/imports/orders", "{\"data\":[]}"u8.ToArray());
        if (probeStatus is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            Ui.Warn($"POST /imports/orders answers {(int)probeStatus}: not available");
            var missing = new ScenarioResult
            {
                Name = Name,
                Unit = Unit,
                Value = null,
                Target = Target,
                Met = false,
                Data = $"{orders:N0} orders (not sent)",
                Error = $"not available: POST /imports/orders answered {(int)probeStatus} {(int)probeStatus switch { 404 => "Not Found", _ => "Method Not Allowed" }}",
            };
            missing.Details["available"] = false;
            return [missing];
        }

        if (probeStatus == HttpStatusCode.Accepted && probeHeaders.Location is { } probeLocation)
        {
            await WaitAsync(ctx, probeLocation.ToString(), TimeSpan.FromMinutes(1));
        }

        var rows = Fakes.Orders(FirstOrderId, orders, Fakes.Seed + 9);
        var ndjson = Fakes.OrdersNdjson(rows);
        rows = null;
        GC.Collect();

        var before = ReadStatus(pid);
        var resetHwm = TryResetPeak(pid);
        using var sampler = new Sampler(pid);
        var started = Stopwatch.GetTimestamp();
        var (status, body, headers) = await ctx.Api.SendAsync(HttpMethod.Post, "/imports/orders", ndjson, "application/x-ndjson");
        var format = "ndjson";
        var bodyBytes = ndjson.Length;
        if (status is HttpStatusCode.UnsupportedMediaType or HttpStatusCode.BadRequest)
        {
            Ui.Warn($"NDJSON answered {(int)status}; sending {{\"data\":[...]}} instead");
            ndjson = [];
            var json = Fakes.OrdersJson(Fakes.Orders(FirstOrderId, orders, Fakes.Seed + 9));
            format = "json";
            bodyBytes = json.Length;
            (status, body, headers) = await ctx.Api.SendAsync(HttpMethod.Post, "/imports/orders", json);
        }

        var accepted = Stopwatch.GetElapsedTime(started);
        if (status != HttpStatusCode.Accepted || headers.Location is null)
        {
            throw new InvalidOperationException($"POST /imports/orders: {(int)status} {Load.Api.Truncate(body)}");
        }

        var final = await WaitAsync(ctx, headers.Location.ToString(), TimeSpan.FromMinutes(15));
        var elapsed = Stopwatch.GetElapsedTime(started);
        await Task.Delay(200);
        sampler.Stop();
        var after = ReadStatus(pid);
        var hwm = resetHwm ? after.GetValueOrDefault("VmHWM") : 0;
        var peakKb = Math.Max(hwm, sampler.MaxRssKb);
        var peakMiB = peakKb / 1024.0;
        var succeeded = final.Contains("\"succeeded\"", StringComparison.Ordinal);

        var result = new ScenarioResult
        {
            Name = Name,
            Unit = Unit,
            Value = Math.Round(peakMiB, 1),
            Target = Target,
            Met = succeeded && peakKb * 1024.0 <= 400e6,
            Data = $"{orders:N0} orders, {bodyBytes / 1024.0 / 1024.0:0} MiB {format}",
        };
        result.Details["available"] = true;
        result.Details["rss_before_mib"] = Math.Round(before.GetValueOrDefault("VmRSS") / 1024.0, 1);
        result.Details["rss_after_mib"] = Math.Round(after.GetValueOrDefault("VmRSS") / 1024.0, 1);
        result.Details["vmhwm_reset"] = resetHwm;
        result.Details["vmhwm_mib"] = resetHwm ? Math.Round(hwm / 1024.0, 1) : null;
        result.Details["sampled_max_rss_mib"] = Math.Round(sampler.MaxRssKb / 1024.0, 1);
        result.Details["samples"] = sampler.Samples;
        result.Details["upload_until_202_s"] = Math.Round(accepted.TotalSeconds, 2);
        result.Details["until_finished_s"] = Math.Round(elapsed.TotalSeconds, 2);
        result.Details["orders_per_s_end_to_end"] = Math.Round(orders / elapsed.TotalSeconds);
        result.Details["final_status"] = Load.Api.Truncate(final);
        if (!succeeded)
        {
            result.Error = "the import did not succeed";
        }

        return [result];
    }

    private static async Task<string> WaitAsync(BenchContext ctx, string location, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (status, body) = await ctx.Api.GetAsync(location);
            var text = Encoding.UTF8.GetString(body);
            if (status == HttpStatusCode.OK)
            {
                using var doc = JsonDocument.Parse(body);
                var state = doc.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
                if (state is "succeeded" or "failed")
                {
                    return text;
                }
            }
            else if (status != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"GET {location}: {(int)status} {Load.Api.Truncate(text)}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{location} did not finish in {timeout}: {Load.Api.Truncate(text)}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>VmRSS, VmHWM, … in kB.</summary>
    public static Dictionary<string, long> ReadStatus(int pid)
    {
        var values = new Dictionary<string, long>();
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("Vm", StringComparison.Ordinal) && line.EndsWith(" kB", StringComparison.Ordinal))
            {
                var parts = line.Split(':', 2);
                values[parts[0]] = long.Parse(parts[1].Trim()[..^3].Trim(), CultureInfo.InvariantCulture);
            }
        }

        return values;
    }

    /// <summary>Resets the process's peak RSS (VmHWM) so it covers only this scenario (Linux ≥ 4.0, needs the right to write).</summary>
    private static bool TryResetPeak(int pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Ui.Warn($"cannot reset VmHWM of {pid} ({e.Message}); relying on sampled VmRSS");
            return false;
        }
    }

    private sealed class Sampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _task;
        private long _max;
        private int _samples;

        public Sampler(int pid)
        {
            _task = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        var rss = ReadStatus(pid).GetValueOrDefault("VmRSS");
                        Interlocked.Exchange(ref _max, Math.Max(Interlocked.Read(ref _max), rss));
                        Interlocked.Increment(ref _samples);
                        await Task.Delay(20, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                    catch (IOException)
                    {
                        break;
                    }
                }
            });
        }

        public long MaxRssKb => Interlocked.Read(ref _max);

        public int Samples => _samples;

        public void Stop()
        {
            _stop.Cancel();
            _task.Wait();
        }

        public void Dispose()
        {
            if (!_stop.IsCancellationRequested)
            {
                Stop();
            }

            _stop.Dispose();
        }
    }
}
