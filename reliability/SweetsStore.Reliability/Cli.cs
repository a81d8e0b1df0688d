namespace SweetsStore.Reliability;

/// <summary>Command dispatch and a minimal <c>--name value</c> option reader.</summary>
public static class Cli
{
    private const string Usage =
        """
        usage: SweetsStore.Reliability <command> [--option value ...]
          seed       --url U --couriers N --orders N --regions N [--first-order N] [--batch N] [--seed N]
          gen-import --out FILE --first N --count N --regions N [--format json|ndjson] [--seed N]
          storm      --urls U1,U2 --clients N --seconds N --couriers N --regions N [--patch-percent N] [--get-percent N]
                     [--allow-503] [--allow-transport-errors] [--failover] [--acked FILE] [--timeline] [--seed N]
                     [--acked-detail FILE] [--events FILE] [--backoff-503-ms N] [--stop-file FILE]
          probe      --urls U1,U2 --seconds N --couriers N --events FILE [--clients N] [--log FILE]
          hostile    --url U [--mutations N] [--seed N]
          slowloris  --url U --connections N [--baseline-seconds N] [--attack-seconds N] [--clients N]
          limits     --url U
          sql-audit  --src DIR
          idle       --url U [--connections N] [--max-seconds N]
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        try
        {
            var options = Options.Parse(args.Skip(1));
            return args[0] switch
            {
                "seed" => await Seeding.SeedAsync(options),
                "gen-import" => await Seeding.GenerateImportAsync(options),
                "storm" => await Storm.RunAsync(options),
                "keyed-storm" => await KeyedStorm.RunAsync(options),
                "probe" => await OutageProbe.RunAsync(options),
                "hostile" => await HostileKestrel.RunAsync(options),
                "slowloris" => await Slowloris.RunAsync(options),
                "limits" => await BodyLimits.RunAsync(options),
                "sql-audit" => await SqlAudit.RunAsync(options),
                "idle" => await Idle.RunAsync(options),
                _ => Fail($"unknown command '{args[0]}'\n{Usage}"),
            };
        }
        catch (OptionException e)
        {
            return Fail($"{e.Message}\n{Usage}");
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}

public sealed class OptionException(string message) : Exception(message);

/// <summary><c>--name value</c> pairs and bare <c>--flag</c>s.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Options Parse(IEnumerable<string> args)
    {
        var options = new Options();
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    options._values[pending] = "true";
                }

                pending = arg[2..];
            }
            else if (pending is not null)
            {
                options._values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new OptionException($"unexpected argument '{arg}'");
            }
        }

        if (pending is not null)
        {
            options._values[pending] = "true";
        }

        return options;
    }

    public string String(string name) => _values.TryGetValue(name, out var v) ? v : throw new OptionException($"--{name} is required");

    public string String(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public string? Maybe(string name) => _values.GetValueOrDefault(name);

    public int Int(string name) => int.TryParse(String(name), out var v) ? v : throw new OptionException($"--{name} must be an integer");

    public int Int(string name, int fallback) => _values.ContainsKey(name) ? Int(name) : fallback;

    public long Long(string name, long fallback) =>
        !_values.TryGetValue(name, out var text) ? fallback : long.TryParse(text, out var v) ? v : throw new OptionException($"--{name} must be an integer");

    public bool Flag(string name) => _values.TryGetValue(name, out var v) && v == "true";

    public string[] List(string name) => String(name).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
