using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SweetsStore.Bench.Load;

/// <summary>
/// HTTP load from wrk (Debian's package): a C load generator that costs the machine a fraction of what this
/// process's HttpClient does per request (measured: ~10 µs vs ~60 µs of CPU per GET), so on these 2 cores the
/// figure is the API's and not the load generator's. GETs only; paths rotate through a list.
/// </summary>
internal static class Wrk
{
    public sealed record Result(double PerSecond, long Requests, double P50, double P90, double P99, double Max, double Mean, long Errors, string? FirstError)
    {
        public Dictionary<string, object?> Summary() => new()
        {
            ["n"] = Requests,
            ["p50_ms"] = Math.Round(P50, 3),
            ["p90_ms"] = Math.Round(P90, 3),
            ["p99_ms"] = Math.Round(P99, 3),
            ["max_ms"] = Math.Round(Max, 3),
            ["mean_ms"] = Math.Round(Mean, 3),
        };
    }

    /// <summary>The wrk binary, or null when it is not installed (bench/run.sh installs it).</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':')
            .Select(dir => Path.Combine(dir, "wrk"))
            .FirstOrDefault(File.Exists);

    public static string Version(string wrk)
    {
        var (_, output) = Run(wrk, ["--version"], TimeSpan.FromSeconds(10));
        return output.Split('\n').FirstOrDefault()?.Split('[')[0].Trim() ?? "wrk";
    }

    /// <summary>
    /// GETs <paramref name="paths"/> in turn (each thread from its own offset) over <paramref name="connections"/>
    /// connections for <paramref name="duration"/>, after <paramref name="warmup"/> of the same load not counted.
    /// </summary>
    public static async Task<Result> GetAsync(string wrk, Uri api, IReadOnlyList<string> paths, int connections, TimeSpan warmup, TimeSpan duration)
    {
        var script = Path.Combine(Path.GetTempPath(), $"sweetsstore-wrk-{Environment.ProcessId}-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(script, Script(paths));
        try
        {
            var threads = Math.Min(connections, Environment.ProcessorCount);
            string[] Args(TimeSpan d) =>
            [
                "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                "-d", $"{Math.Max(1, (int)Math.Round(d.TotalSeconds))}s", "--timeout", "10s", "-s", script, api.ToString().TrimEnd('/'),
            ];
            if (warmup > TimeSpan.Zero)
            {
                await Task.Run(() => Run(wrk, Args(warmup), warmup + TimeSpan.FromSeconds(30)));
            }

            var (status, output) = await Task.Run(() => Run(wrk, Args(duration), duration + TimeSpan.FromSeconds(30)));
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("SWEETSSTORE_WRK ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"wrk exited with {status} and no summary: {output.Trim()}");
            using var doc = JsonDocument.Parse(line["SWEETSSTORE_WRK ".Length..]);
            var root = doc.RootElement;
            var requests = root.GetProperty("requests").GetInt64();
            var seconds = root.GetProperty("duration_us").GetDouble() / 1e6;
            var errors = root.GetProperty("errors");
            var failed = errors.EnumerateObject().Sum(e => e.Value.GetInt64());
            var latency = root.GetProperty("latency_us");
            double Ms(string name) => latency.GetProperty(name).GetDouble() / 1000;
            return new Result(
                requests / seconds, requests, Ms("p50"), Ms("p90"), Ms("p99"), Ms("max"), Ms("mean"), failed,
                failed > 0 ? $"wrk counted failures: {errors.GetRawText()}" : null);
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static string Script(IReadOnlyList<string> paths)
    {
        var lua = new StringBuilder();
        lua.AppendLine("local paths = {");
        foreach (var path in paths)
        {
            lua.Append("  \"").Append(path.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).AppendLine("\",");
        }

        lua.AppendLine(
            """
            }
            local n = #paths
            local made = 0
            function setup(thread)
              thread:set("offset", made * 7919)
              made = made + 1
            end
            function init(args)
              i = 0
            end
            function request()
              i = i + 1
              return wrk.format("GET", paths[((offset + i * 31) % n) + 1])
            end
            function done(summary, latency, requests)
              local e = summary.errors
              io.write(string.format(
                'SWEETSSTORE_WRK {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
                summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
                latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
            end
            """);
        return lua.ToString();
    }

    private static (int Status, string Output) Run(string wrk, string[] args, TimeSpan limit)
    {
        var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {wrk}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill();
            throw new TimeoutException($"wrk ran past {limit.TotalSeconds:0} s");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
