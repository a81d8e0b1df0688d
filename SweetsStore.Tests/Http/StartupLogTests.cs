using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SweetsStore.Tests.Http;

/// <summary>
/// The API as a process, as ./run.sh, a supervisor or a container starts it: what its console log looks like, and
/// that a database still away at start is said at Information, not as errors. Its database is a closed port.
/// </summary>
public partial class StartupLogTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task WhenNotATerminalTheLogIsJsonAndADatabaseStillAwayIsInformation()
    {
        using var api = ApiProcess.Start(terminal: false);
        var url = await api.ListeningAsync();
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        }

        await api.WaitForAsync(l => l.Contains("Not ready: migrations not applied yet", StringComparison.Ordinal));
        await api.WaitForAsync(l => l.Contains("GET /health/ready 503", StringComparison.Ordinal));
        var entries = api.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToArray(); // every line is JSON

        Assert.DoesNotContain(entries, e => e.GetProperty("LogLevel").GetString() is "Warning" or "Error" or "Critical");
        var readiness = Assert.Single(entries, e => e.GetProperty("Category").GetString() == "SweetsStore.Api.Infrastructure.DatabaseReadyCheck");
        Assert.Equal("Information", readiness.GetProperty("LogLevel").GetString());
        Assert.Equal("Readiness: not ready (database unreachable)", readiness.GetProperty("Message").GetString()); // once, not per probe
        Assert.Contains(entries, e => e.GetProperty("Category").GetString() == "SweetsStore.Api.Infrastructure.MigrationRunner"
            && e.GetProperty("LogLevel").GetString() == "Information");
    }

    [Fact]
    public async Task InATerminalTheLogIsOneReadableLinePerEntry()
    {
        using var api = ApiProcess.Start(terminal: true);

        await api.ListeningAsync();

        var lines = api.Lines.Select(l => Colours().Replace(l, "")).ToArray(); // a terminal gets colours
        Assert.Contains(lines, l => TextLine().IsMatch(l));
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith('{'));
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]")]
    private static partial Regex Colours();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: Microsoft\.Hosting\.Lifetime\[14\] Now listening on: http://127\.0\.0\.1:\d+\r?$")]
    private static partial Regex TextLine();

    /// <summary>SweetsStore.Api.dll from the test's output folder; in a pseudo-terminal (util-linux <c>script</c>) when asked.</summary>
    private sealed partial class ApiProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        private ApiProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => Keep(e.Data);
            _process.ErrorDataReceived += (_, e) => Keep(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines => _lines.ToArray();

        public static ApiProcess Start(bool terminal)
        {
            var api = Path.Combine(AppContext.BaseDirectory, "SweetsStore.Api.dll");
            var start = terminal
                ? new ProcessStartInfo("script", ["--quiet", "--flush", "--return", "--command", $"exec dotnet '{api}'", "/dev/null"])
                : new ProcessStartInfo("dotnet", [api]);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            start.RedirectStandardInput = true;
            start.Environment["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none;Timeout=1";
            start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
            start.Environment["Security__TrustLoopback"] = "true";
            start.Environment["Jobs__Enabled"] = "false";
            start.Environment.Remove("Logging__Console__FormatterName");
            return new ApiProcess(Process.Start(start)!);
        }

        /// <summary>Waits for Kestrel's "Now listening on" and returns that address.</summary>
        public async Task<string> ListeningAsync()
        {
            var line = await WaitForAsync(l => l.Contains("Now listening on: ", StringComparison.Ordinal));
            return Address().Match(line).Value;
        }

        public async Task<string> WaitForAsync(Func<string, bool> match)
        {
            var waited = Stopwatch.StartNew();
            while (waited.Elapsed < Patience)
            {
                if (Lines.FirstOrDefault(match) is { } line)
                {
                    return line;
                }

                Assert.False(_process.HasExited, "the API exited:\n" + string.Join('\n', Lines));
                await Task.Delay(50);
            }

            throw new TimeoutException("not logged within a minute:\n" + string.Join('\n', Lines));
        }

        public void Dispose()
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
        }

        private void Keep(string? line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                _lines.Enqueue(line);
            }
        }

        [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
        private static partial Regex Address();
    }
}
