using System.Globalization;
using System.Runtime.InteropServices;

namespace SweetsStore.Bench.Report;

/// <summary>Facts about the machine a run happened on.</summary>
internal static class Machine
{
    public static Dictionary<string, object?> Facts(string? postgresVersion, Dictionary<string, string> postgresSettings, string? sdk)
    {
        return new Dictionary<string, object?>
        {
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["cores"] = Environment.ProcessorCount,
            ["cpu"] = CpuModel(),
            ["memory_gib"] = MemoryGib(),
            ["os"] = OsName(),
            ["kernel"] = Read("/proc/sys/kernel/osrelease")?.Trim(),
            ["dotnet_runtime"] = RuntimeInformation.FrameworkDescription,
            ["dotnet_sdk"] = sdk,
            ["postgresql"] = postgresVersion,
            ["postgresql_settings"] = postgresSettings,
            ["note"] = "API, PostgreSQL and the load generator share the same cores",
        };
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

    private static string? CpuModel() =>
        Read("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();

    private static double? MemoryGib()
    {
        var line = Read("/proc/meminfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return Math.Round(kb / 1024.0 / 1024.0, 1);
    }

    private static string OsName()
    {
        var pretty = Read("/etc/os-release")?.Split('\n').FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
        return pretty is null ? RuntimeInformation.OSDescription : pretty["PRETTY_NAME=".Length..].Trim('"');
    }
}
