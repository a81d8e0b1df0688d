using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SweetsStore.Tests.Scripts;

/// <summary>
/// <c>./run.sh</c> as a person meets it, on a data folder of its own: the answers that come before anything is built
/// or started (usage, a port or data folder in use, --stop and --reset). Starting the API itself is what every
/// other test does; this one checks that a second start cannot rebuild into the folder a running API uses.
/// </summary>
public sealed class RunScriptTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("sweetsstore-run-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task HelpPrintsUsage(string option)
    {
        var run = await RunAsync(option);

        Assert.Equal(0, run.Status);
        Assert.StartsWith("Usage: ./run.sh [--stop | --reset [--yes] | --help]", run.Out);
        foreach (var word in new[] { "--stop", "--reset", "--yes", "PORT", "SWEETSSTORE_DATA", "ConnectionStrings__Postgres", ".data/api.log", "postgres.log" })
        {
            Assert.Contains(word, run.Out, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(_data, "run.lock"))); // nothing touched
    }

    [Fact]
    public async Task AnUnknownOptionIsOneLineAndStatus2()
    {
        var run = await RunAsync("--frobnicate");

        Assert.Equal(2, run.Status);
        Assert.Equal("run.sh: unknown option '--frobnicate' (./run.sh --help lists them)", run.Err.TrimEnd('\n'));
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task APortInUseIsOneLineBeforeAnythingIsBuilt()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var run = await RunAsync(env: new() { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(1, run.Status);
        Assert.Equal($"run.sh: port {port} is in use by another program; stop it or choose another port: PORT=18080 ./run.sh", run.Err.TrimEnd('\n'));
        Assert.Equal("", run.Out);
        Assert.False(Directory.Exists(Path.Combine(_data, "app")));
        Assert.False(Directory.Exists(Path.Combine(_data, "pg")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task AnEmptyConnectionStringIsOneLineBeforeAnythingIsBuilt(string connectionString)
    {
        // What ConnectionStrings__Postgres="$(scripts/ha-local.sh connection-string)" gives before the pair exists:
        // the private cluster would start instead of the database the user named.
        var run = await RunAsync(env: new() { ["ConnectionStrings__Postgres"] = connectionString, ["PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(2, run.Status);
        Assert.Equal("run.sh: ConnectionStrings__Postgres is set but empty (did the command that prints it fail?); give it a connection string, or unset it for the private cluster", run.Err.TrimEnd('\n'));
        Assert.Equal("", run.Out);
        Assert.False(Directory.Exists(Path.Combine(_data, "app")));
        Assert.False(Directory.Exists(Path.Combine(_data, "pg")));
        Assert.False(File.Exists(Path.Combine(_data, "run.lock")));
    }

    [Theory]
    [InlineData("1.5")]  // hung run.sh, or left the API running with no log (found by a day-2 probe)
    [InlineData("abc")]
    [InlineData("0")]    // rotated on every line: only the last line was kept
    [InlineData("-1")]
    public async Task ABadLogSizeIsOneLineBeforeAnythingIsBuilt(string megabytes)
    {
        var run = await RunAsync(env: new() { ["SWEETSSTORE_LOG_MB"] = megabytes, ["PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(2, run.Status);
        Assert.Equal($"run.sh: SWEETSSTORE_LOG_MB must be a whole number of megabytes from 1 to 999999, not '{megabytes}'", run.Err.TrimEnd('\n'));
        Assert.False(Directory.Exists(Path.Combine(_data, "app")));
        Assert.False(Directory.Exists(Path.Combine(_data, "pg")));
    }

    [Fact]
    public async Task TheHaConnectionStringBeforeThePairExistsSaysSoAndTouchesNothing()
    {
        // It runs inside "$(…)" in README's example: it made .data/ha, and could install PostgreSQL from there (probe).
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository(), "scripts", "ha-local.sh"), "connection-string"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["SWEETSSTORE_DATA"] = _data;
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(1, process.ExitCode);
        Assert.Equal("", stdout);
        Assert.EndsWith("error: no nodes yet: scripts/ha-local.sh start\n", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_data));
    }

    [Fact]
    public async Task TheLogWriterAppendsToTheLogOfTheRunBeforeAndRotatesAtTheCap()
    {
        // ./run.sh's API log: every start emptied the run before's log (awk's `>`; found by a day-2 probe).
        var log = Path.Combine(_data, "api.log");
        await File.WriteAllTextAsync(log, "earlier run\n");

        var (copied, _) = await LogWriterAsync(log, 1 << 20, "a\nb\n");

        Assert.Equal("a\nb\n", copied);
        Assert.Equal("earlier run\na\nb\n", await File.ReadAllTextAsync(log));

        // At the cap (counted with what the file held), at the end of a line: api.log.1, then a new api.log.
        await LogWriterAsync(log, 20, "c\nddddd\ne\n");

        Assert.Equal("earlier run\na\nb\nc\nddddd\n", await File.ReadAllTextAsync(log + ".1"));
        Assert.Equal("e\n", await File.ReadAllTextAsync(log));
    }

    private static async Task<(string Out, int Status)> LogWriterAsync(string log, int cap, string input)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository(), "scripts", "log-writer.sh"), log, cap.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (await stdout, process.ExitCode);
    }

    [Fact]
    public async Task ASecondRunOnTheSameDataFolderIsOneLineAndBuildsNothing()
    {
        // A first ./run.sh holds the data folder's lock for as long as it (or the API it became) runs.
        using var first = Hold(Path.Combine(_data, "run.lock"));
        await File.WriteAllTextAsync(Path.Combine(_data, "run.pid"), first.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var run = await RunAsync(env: new() { ["PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Equal(1, run.Status);
        Assert.Matches(@"^run\.sh: \./run\.sh is already running with .+ \(pid (\d+|\?)\); stop it first \(Ctrl-C there, or \./run\.sh --stop\)$", run.Err.TrimEnd('\n'));
        Assert.Equal("", run.Out);
        Assert.False(Directory.Exists(Path.Combine(_data, "app")));
    }

    [Fact]
    public async Task StopSaysWhenNothingWasRunning()
    {
        var run = await RunAsync("--stop");

        Assert.Equal(0, run.Status);
        Assert.Equal($"nothing was running: no API started by ./run.sh and no private PostgreSQL in {_data}", run.Out.TrimEnd('\n'));
    }

    [Fact]
    public async Task ResetAsksAndWithoutATerminalNeedsYes()
    {
        var cluster = FakeCluster();

        var refused = await RunAsync("--reset");
        var declined = await RunAsync(["--reset"], stdin: "no\n", terminal: true);

        Assert.Equal(2, refused.Status);
        Assert.Equal("run.sh: --reset asks before deleting, and there is no terminal to ask: ./run.sh --reset --yes", refused.Err.TrimEnd('\n'));
        Assert.Equal(1, declined.Status);
        Assert.Contains($"Delete the private PostgreSQL cluster in {cluster} with all its couriers, orders and imports? Type yes:", declined.Out, StringComparison.Ordinal);
        Assert.Contains("nothing deleted", declined.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(cluster, "pgdata", "PG_VERSION")));
    }

    [Fact]
    public async Task ResetDeletesTheClusterWhenConfirmed()
    {
        var cluster = FakeCluster();

        var typed = await RunAsync(["--reset"], stdin: "yes\n", terminal: true);
        Assert.Equal(0, typed.Status);
        Assert.False(Directory.Exists(cluster));

        FakeCluster();
        var yes = await RunAsync("--reset", "--yes");
        Assert.Equal(0, yes.Status);
        Assert.Equal("private PostgreSQL cluster deleted; the next ./run.sh creates an empty one", yes.Out.TrimEnd('\n'));
        Assert.False(Directory.Exists(cluster));

        var again = await RunAsync("--reset", "--yes");
        Assert.Equal(0, again.Status);
        Assert.Equal($"no private PostgreSQL cluster in {cluster}: nothing to reset", again.Out.TrimEnd('\n'));
    }

    [Fact]
    public async Task ResetRefusesWhileTheApiRuns()
    {
        var cluster = FakeCluster();
        using var running = Hold(Path.Combine(_data, "run.lock"));

        var run = await RunAsync("--reset", "--yes");

        Assert.Equal(1, run.Status);
        Assert.StartsWith("run.sh: the API is running on this cluster", run.Err, StringComparison.Ordinal);
        Assert.True(Directory.Exists(cluster));
    }

    private static string Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "run.sh")) && File.Exists(Path.Combine(dir.FullName, "SweetsStore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run.sh not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>What --reset sees of a cluster that is not running (no postmaster.pid).</summary>
    private string FakeCluster()
    {
        var cluster = Path.Combine(_data, "pg");
        Directory.CreateDirectory(Path.Combine(cluster, "pgdata"));
        File.WriteAllText(Path.Combine(cluster, "pgdata", "PG_VERSION"), "15\n");
        return cluster;
    }

    /// <summary>A process holding <paramref name="lockFile"/> as a running ./run.sh does (flock), until disposed.</summary>
    private static LockHolder Hold(string lockFile)
    {
        var holder = Process.Start(new ProcessStartInfo("flock", [lockFile, "-c", "echo held; exec sleep 120"]) { RedirectStandardOutput = true })!;
        Assert.Equal("held", holder.StandardOutput.ReadLine());
        return new LockHolder(holder);
    }

    private Task<Result> RunAsync(params string[] args) => RunAsync(args, env: null);

    private Task<Result> RunAsync(Dictionary<string, string>? env) => RunAsync([], env: env);

    private async Task<Result> RunAsync(string[] args, Dictionary<string, string>? env = null, string? stdin = null, bool terminal = false)
    {
        var script = Path.Combine(Repository(), "run.sh");
        var quoted = string.Join(' ', new[] { script }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        // In a pseudo-terminal (util-linux script) where the test types an answer; its output is then on stdout.
        var start = terminal
            ? new ProcessStartInfo("script", ["--quiet", "--return", "--command", quoted, "/dev/null"])
            : new ProcessStartInfo("bash", [script, .. args]);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["SWEETSSTORE_DATA"] = _data;
        start.Environment.Remove("ConnectionStrings__Postgres");
        start.Environment.Remove("PORT");
        foreach (var (name, value) in env ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await Task.Delay(500); // the question is asked first
            await process.StandardInput.WriteAsync(stdin);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, (await stdout).Replace("\r\n", "\n", StringComparison.Ordinal), await stderr);
    }

    private sealed record Result(int Status, string Out, string Err);

    private sealed class LockHolder(Process process) : IDisposable
    {
        public int Id => process.Id;

        public void Dispose()
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
    }
}
