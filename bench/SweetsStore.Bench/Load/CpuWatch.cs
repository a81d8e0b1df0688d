using System.Globalization;

namespace SweetsStore.Bench.Load;

/// <summary>
/// How busy the machine was while a scenario ran, and how much of that was not us. "Us" is this process (with the
/// load generators it ran and reaped, such as wrk), the API process and the benchmark's PostgreSQL (its postmaster,
/// the children it has reaped and its live children).
/// The machine is shared: a high <c>others</c> share means the figures of that scenario are disturbed.
/// </summary>
internal sealed class CpuWatch
{
    private readonly int? _api;
    private readonly int? _postmaster;
    private (long Busy, long Total) _machine;
    private (long Bench, long Api, long Postgres) _start;

    public CpuWatch(int? apiPid, int? postmasterPid)
    {
        _api = apiPid;
        _postmaster = postmasterPid;
        Restart();
    }

    public void Restart()
    {
        _machine = Machine();
        _start = Split();
    }

    /// <summary>
    /// CPU used since the last restart, in cores (1.0 = one core busy the whole time): this load generator, the API,
    /// the benchmark's PostgreSQL, everything else, and idle.
    /// </summary>
    public Dictionary<string, object?> Cores()
    {
        var (busy, total) = Machine();
        var now = Split();
        var cores = Environment.ProcessorCount;
        var dTotal = Math.Max(1.0, total - _machine.Total);
        double C(long ticks) => Math.Round(ticks / dTotal * cores, 2);
        var bench = now.Bench - _start.Bench;
        var api = now.Api - _start.Api;
        var pg = now.Postgres - _start.Postgres;
        var dBusy = busy - _machine.Busy;
        return new Dictionary<string, object?>
        {
            ["load_generator"] = C(bench),
            ["api"] = C(api),
            ["postgres"] = C(pg),
            ["others"] = C(Math.Max(0, dBusy - bench - api - pg)),
            ["idle"] = C((long)dTotal - dBusy),
        };
    }

    /// <summary>Shares of the whole machine's CPU time since the last restart: busy, ours, others (0..1).</summary>
    public (double Busy, double Ours, double Others) Shares()
    {
        var (busy, total) = Machine();
        var ours = Ours();
        var dTotal = Math.Max(1, total - _machine.Total);
        var dBusy = busy - _machine.Busy;
        var dOurs = Math.Min(dBusy, ours - (_start.Bench + _start.Api + _start.Postgres));
        return ((double)dBusy / dTotal, (double)dOurs / dTotal, Math.Max(0, (double)(dBusy - dOurs) / dTotal));
    }

    public Dictionary<string, object?> Summary()
    {
        var (busy, ours, others) = Shares();
        return new Dictionary<string, object?>
        {
            ["machine_busy"] = Math.Round(busy, 3),
            ["ours"] = Math.Round(ours, 3),
            ["others"] = Math.Round(others, 3),
        };
    }

    /// <summary>Waits (up to <paramref name="limit"/>) for a second in which other processes use less than <paramref name="maxOthers"/> of the machine.</summary>
    public static async Task<(bool Quiet, TimeSpan Waited, double LastOthers)> WaitQuietAsync(int? apiPid, int? postmasterPid, TimeSpan limit, double maxOthers = 0.15)
    {
        var started = DateTime.UtcNow;
        var last = 0.0;
        while (true)
        {
            var watch = new CpuWatch(apiPid, postmasterPid);
            await Task.Delay(1000);
            last = watch.Shares().Others;
            if (last < maxOthers)
            {
                return (true, DateTime.UtcNow - started, last);
            }

            if (DateTime.UtcNow - started >= limit)
            {
                return (false, DateTime.UtcNow - started, last);
            }
        }
    }

    public static string LoadAverage() => Read("/proc/loadavg") is { } text ? string.Join(' ', text.Split(' ').Take(3)) : "?";

    /// <summary>The whole machine's busy and total CPU time in clock ticks (first line of /proc/stat).</summary>
    internal static (long Busy, long Total) Machine()
    {
        var line = Read("/proc/stat")?.Split('\n')[0];
        if (line is null)
        {
            return (0, 0);
        }

        // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user already)
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        var idle = f[3] + f[4];
        var total = f.Sum();
        return (total - idle, total);
    }

    private long Ours()
    {
        var (bench, api, postgres) = Split();
        return bench + api + postgres;
    }

    private (long Bench, long Api, long Postgres) Split()
    {
        var bench = Times(Environment.ProcessId, children: true);
        var api = _api is { } a ? Times(a, children: false) : 0;
        var postgres = _postmaster is { } pm ? PostgresTicks(pm) : 0;
        return (bench, api, postgres);
    }

    /// <summary>A PostgreSQL server's CPU time in clock ticks: its postmaster, the children it has reaped and its live children.</summary>
    internal static long PostgresTicks(int postmaster)
    {
        var ticks = Times(postmaster, children: true);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && pid != postmaster && ParentOf(pid) == postmaster)
            {
                ticks += Times(pid, children: false);
            }
        }

        return ticks;
    }

    private static string[]? StatFields(int pid)
    {
        var text = Read($"/proc/{pid}/stat");
        if (text is null)
        {
            return null;
        }

        // The command name may hold spaces: fields start after the last ')'.
        return text[(text.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static int ParentOf(int pid) => StatFields(pid) is { } f ? int.Parse(f[1], CultureInfo.InvariantCulture) : -1;

    /// <summary>utime + stime (+ cutime + cstime) in clock ticks; fields 14–17 of /proc/PID/stat (0 once the process is gone).</summary>
    internal static long Times(int pid, bool children)
    {
        var f = StatFields(pid);
        if (f is null)
        {
            return 0;
        }

        long Field(int number) => long.Parse(f[number - 3], CultureInfo.InvariantCulture);
        return Field(14) + Field(15) + (children ? Field(16) + Field(17) : 0);
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
