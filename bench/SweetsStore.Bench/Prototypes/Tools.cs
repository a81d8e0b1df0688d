using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace SweetsStore.Bench.Prototypes;

/// <summary>The PostgreSQL client programs (psql, pgbench) of the server bench/prototypes/run.sh started, on its database.</summary>
internal sealed class PgTools
{
    private readonly string _bin;
    private readonly NpgsqlConnectionStringBuilder _cs;

    public PgTools(string connectionString, string? bin)
    {
        _cs = new NpgsqlConnectionStringBuilder(connectionString);
        _bin = bin ?? Environment.GetEnvironmentVariable("PG_BIN")
            ?? Directory.GetDirectories("/usr/lib/postgresql").Order().Select(d => Path.Combine(d, "bin")).LastOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL client programs not found: set PG_BIN");
    }

    public string Host => _cs.Host ?? "127.0.0.1";

    public int Port => _cs.Port;

    /// <summary>Runs a SQL file with psql (each statement on its own, so VACUUM works), stops at the first error; returns stdout.</summary>
    public Task<string> PsqlFileAsync(string file, string searchPath) =>
        RunAsync("psql", ["-X", "-q", "-t", "-A", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-f", file], searchPath);

    public Task<string> PsqlAsync(string sql, string searchPath) =>
        RunAsync("psql", ["-X", "-q", "-t", "-A", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql], searchPath);

    /// <summary>Starts pgbench with the connection's host, port, user and database; the caller waits for it.</summary>
    public Process StartPgBench(IEnumerable<string> args, string searchPath, string workDir)
    {
        var info = Info("pgbench", args, searchPath);
        info.WorkingDirectory = workDir;
        return Process.Start(info) ?? throw new InvalidOperationException("pgbench did not start");
    }

    public async Task<string> RunAsync(string program, IEnumerable<string> args, string searchPath)
    {
        using var process = Process.Start(Info(program, args, searchPath)) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    private ProcessStartInfo Info(string program, IEnumerable<string> args, string searchPath)
    {
        var info = new ProcessStartInfo(Path.Combine(_bin, program))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-h", Host, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", _cs.Username ?? "sweetsstore" })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add(_cs.Database ?? "sweetsstore");
        info.Environment["PGPASSWORD"] = _cs.Password ?? "";
        info.Environment["PGOPTIONS"] = $"-c search_path={searchPath}";
        return info;
    }
}

/// <summary>Medians and spreads for the report.</summary>
internal static class Stats
{
    public static double Median(IEnumerable<double> values) => Load.Latencies.Median(values.Where(double.IsFinite));

    /// <summary>"median (min–max)" with <paramref name="format"/>.</summary>
    public static string Spread(IEnumerable<double> values, string format = "0.00")
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0)
        {
            return "—";
        }

        var f = CultureInfo.InvariantCulture;
        return v.Length == 1
            ? v[0].ToString(format, f)
            : $"{Median(v).ToString(format, f)} ({v.Min().ToString(format, f)}–{v.Max().ToString(format, f)})";
    }

    public static string Join(IEnumerable<double> values, string format = "0.00") =>
        string.Join(" / ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));

    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var md = new StringBuilder();
        md.AppendLine("| " + string.Join(" | ", header) + " |");
        md.AppendLine("|" + string.Concat(header.Select(_ => "---|")));
        foreach (var row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        return md.ToString();
    }
}
