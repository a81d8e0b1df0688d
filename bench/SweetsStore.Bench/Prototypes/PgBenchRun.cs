using System.Globalization;
using System.Text.RegularExpressions;
using SweetsStore.Bench.Load;

namespace SweetsStore.Bench.Prototypes;

/// <summary>
/// One pgbench run with the CPU of PostgreSQL (postmaster, reaped and live children) and of pgbench sampled from /proc
/// every 100 ms. The figures come from a steady window: from the sample after 10 % of the transactions completed to the
/// last sample before 90 % did (pgbench's per-transaction log gives each completion time), so connection start-up,
/// the first plans and the ragged end stay out; CPU in that window ÷ transactions completed in it.
/// </summary>
internal sealed partial class PgBenchRun
{
    private const double MsPerTick = 10; // USER_HZ = 100 on Linux

    public required int Transactions { get; init; }

    public required int Failed { get; init; }

    public required int Retried { get; init; }

    public required double WindowSeconds { get; init; }

    public required int WindowTransactions { get; init; }

    /// <summary>PostgreSQL CPU (all its processes) per transaction in the window, ms.</summary>
    public required double PgMsPerTransaction { get; init; }

    public required double PgBenchMsPerTransaction { get; init; }

    public required double TransactionsPerSecond { get; init; }

    /// <summary>Cores used by everything else (other agents' work) during the window.</summary>
    public required double OtherCores { get; init; }

    public required double PgCores { get; init; }

    public required string Output { get; init; }

    private sealed record Sample(long Micros, long Postgres, long PgBench, long Busy, long Own);

    public static async Task<PgBenchRun> RunAsync(PgTools tools, int postmaster, IEnumerable<string> args, string searchPath)
    {
        var dir = Directory.CreateTempSubdirectory("sweetsstore-pgbench-");
        try
        {
            var process = tools.StartPgBench(args.Concat(["-l", "--log-prefix", Path.Combine(dir.FullName, "log")]), searchPath, dir.FullName);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            var samples = new List<Sample>();
            while (!process.HasExited)
            {
                var pgbench = CpuWatch.Times(process.Id, children: false);
                samples.Add(new Sample(
                    (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10,
                    CpuWatch.PostgresTicks(postmaster), pgbench, CpuWatch.Machine().Busy, CpuWatch.Times(Environment.ProcessId, children: false)));
                await Task.Delay(100);
            }

            await process.WaitForExitAsync();
            samples.Add(new Sample(
                (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks / 10, CpuWatch.PostgresTicks(postmaster),
                samples.Count > 0 ? samples[^1].PgBench : 0, CpuWatch.Machine().Busy, CpuWatch.Times(Environment.ProcessId, children: false)));
            var output = await stdout + await stderr;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"pgbench exited with {process.ExitCode}: {output}");
            }

            var completions = new List<long>();
            foreach (var file in dir.EnumerateFiles("log*"))
            {
                foreach (var line in File.ReadLines(file.FullName))
                {
                    // client_id transaction_no time script_no time_epoch time_us [schedule_lag] [retries]; time is "failed" for a failed one
                    var f = line.Split(' ');
                    if (f.Length >= 6 && long.TryParse(f[2], CultureInfo.InvariantCulture, out _))
                    {
                        completions.Add((long.Parse(f[4], CultureInfo.InvariantCulture) * 1_000_000) + long.Parse(f[5], CultureInfo.InvariantCulture));
                    }
                }
            }

            completions.Sort();
            var lo = completions[completions.Count / 10];
            var hi = completions[completions.Count * 9 / 10];
            var a = samples.FirstOrDefault(s => s.Micros >= lo);
            var b = samples.LastOrDefault(s => s.Micros <= hi);
            if (a is null || b is null || b.Micros <= a.Micros)
            {
                // Too short for a steady window (a check run, say): counts only.
                a = samples[0];
                b = samples[^1];
            }

            var inWindow = Math.Max(1, completions.Count(t => t > a.Micros && t <= b.Micros));
            var seconds = Math.Max(1e-3, (b.Micros - a.Micros) / 1e6);
            var pg = b.Postgres - a.Postgres;
            var bench = b.PgBench - a.PgBench;
            var own = b.Own - a.Own;
            var others = Math.Max(0, b.Busy - a.Busy - pg - bench - own);
            return new PgBenchRun
            {
                Transactions = Number(output, TransactionsProcessed()) ?? completions.Count,
                Failed = Number(output, FailedTransactions()) ?? 0,
                Retried = Number(output, RetriedTransactions()) ?? 0,
                WindowSeconds = seconds,
                WindowTransactions = inWindow,
                PgMsPerTransaction = pg * MsPerTick / inWindow,
                PgBenchMsPerTransaction = bench * MsPerTick / inWindow,
                TransactionsPerSecond = inWindow / seconds,
                OtherCores = others * MsPerTick / 1000 / seconds,
                PgCores = pg * MsPerTick / 1000 / seconds,
                Output = output,
            };
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static int? Number(string output, Regex pattern) =>
        pattern.Match(output) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex TransactionsProcessed();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedTransactions();

    [GeneratedRegex(@"number of transactions retried: (\d+)")]
    private static partial Regex RetriedTransactions();
}
