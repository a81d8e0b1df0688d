using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SweetsStore.Api.Idempotency;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Api.Jobs;
using SweetsStore.Api.Telemetry;

namespace SweetsStore.Tests.Contracts;

/// <summary>Every settings section is typed and checked at start: a nonsense value stops the process with one line naming it.</summary>
public class SettingsTests
{
    private const string Database = "Host=127.0.0.1;Port=1;Database=never_opened";

    [Theory]
    [InlineData("Jobs:LeaseSeconds", "0", "Jobs__LeaseSeconds must be from 3 to 86400")]
    [InlineData("Jobs:Workers", "0", "Jobs__Workers must be from 1 to 64")]
    [InlineData("Jobs:PollSeconds", "0", "Jobs__PollSeconds must be from 0.05 to 60")]
    [InlineData("Jobs:Workers", "many", "Jobs__Workers: must be a whole number")]
    [InlineData("Jobs:Enabled", "maybe", "Jobs__Enabled: must be true or false")]
    [InlineData("Limits:MaxListItems", "0", "Limits__MaxListItems must be from 1 to 2147483647")]
    [InlineData("Limits:MaxImportItems", "-5", "Limits__MaxImportItems must be from 1 to 2147483647")]
    [InlineData("Limits:DefaultBodyBytes", "0", "Limits__DefaultBodyBytes must be from 1 to 9223372036854775807")]
    [InlineData("Limits:BodyBytes:Orders", "0", "Limits__BodyBytes__Orders must be at least 1")]
    [InlineData("Limits:RequestTimeoutSeconds", "0", "Limits__RequestTimeoutSeconds must be from 0.1 to 86400")]
    [InlineData("Database:AnalyzeMinChanges", "0", "Database__AnalyzeMinChanges must be from 1 to 9223372036854775807")]
    [InlineData("Database:AnalyzeCheckSeconds", "-1", "Database__AnalyzeCheckSeconds must be from 0 to 3600")]
    [InlineData("Database:MultiplexPointReads", "yes", "Database__MultiplexPointReads: must be true or false")]
    [InlineData("Database:AssignBatchMax", "0", "Database__AssignBatchMax must be from 1 to 256")]
    [InlineData("Database:AssignBatchesInFlight", "9", "Database__AssignBatchesInFlight must be from 1 to 8")]
    [InlineData("RateLimiting:Policies:assign:PermitLimit", "0", "RateLimiting__Policies__assign__PermitLimit must be from 1 to 1000000000")]
    [InlineData("RateLimiting:Policies:asign:PermitLimit", "5", "RateLimiting__Policies__asign is not a group (they are default, imports, assign, complete, reads)")]
    [InlineData("ConnectionStrings:Postgres", "", "ConnectionStrings__Postgres is not set: name the PostgreSQL database (./run.sh does this for you)")]
    [InlineData("ConnectionStrings:Postgres", "Host=db;Maximum Pool Size=-1", "ConnectionStrings__Postgres cannot be used: Couldn't set maximum pool size")]
    [InlineData("ConnectionStrings:Postgres", "Host=db;Minimum Pool Size=9;Maximum Pool Size=4", "ConnectionStrings__Postgres cannot be used: Connection can't have 'Max Pool Size' 4 under 'Min Pool Size' 9")]
    [InlineData("ConnectionStrings:PostgresReads", "Host=standby;Maximum Pool Size=-1", "ConnectionStrings__PostgresReads cannot be used: Couldn't set maximum pool size")]
    [InlineData("Idempotency:RetentionHours", "0", "Idempotency__RetentionHours must be from 0.01 to 8760")]
    [InlineData("Telemetry:OtlpEndpoint", "collector:4317", "Telemetry__OtlpEndpoint must be an absolute http:// or https:// URL")]
    [InlineData("Telemetry:OtlpEndpoint", "ftp://collector", "Telemetry__OtlpEndpoint must be an absolute http:// or https:// URL")]
    [InlineData("Telemetry:OtlpProtocol", "udp", "Telemetry__OtlpProtocol must be \"grpc\" or \"http/protobuf\"")]
    [InlineData("Telemetry:CountsSeconds", "0", "Telemetry__CountsSeconds must be from 1 to 3600")]
    [InlineData("Telemetry:AssignRetriesWarning", "-1", "Telemetry__AssignRetriesWarning must be from 0 to 1000")]
    [InlineData("Dashboard:StaleBundleMinutes", "0", "Dashboard__StaleBundleMinutes must be from 1 to 525600")]
    [InlineData("Dashboard:RegionsSeconds", "0", "Dashboard__RegionsSeconds must be from 1 to 3600")]
    [InlineData("Jobs:LockTimeoutSeconds", "0", "Jobs__LockTimeoutSeconds must be from 1 to 3600")]
    [InlineData("Security:TrustLoopback", "maybe", "Security__TrustLoopback: must be true or false, not \"maybe\"")]
    // Read while the services are added (Telemetry), and inside dictionaries, where the binder left a bad value out
    // without a word (found by a README check, 2026-12-05: a stack trace, or the default kept silently).
    [InlineData("Telemetry:CountsSeconds", "abc", "Telemetry__CountsSeconds: must be a number")]
    [InlineData("Telemetry:Metrics", "maybe", "Telemetry__Metrics: must be true or false")]
    [InlineData("Telemetry:AssignRetriesWarning", "abc", "Telemetry__AssignRetriesWarning: must be a whole number")]
    [InlineData("Limits:BodyBytes:Orders", "abc", "Limits__BodyBytes__Orders: must be a whole number")]
    [InlineData("RateLimiting:Policies:default:PermitLimit", "abc", "RateLimiting__Policies__default__PermitLimit: must be a whole number")]
    [InlineData("RateLimiting:Policies:assign:WindowSeconds", "soon", "RateLimiting__Policies__assign__WindowSeconds: must be a number")]
    public void ANonsenseValueIsOneLineNamingItsKey(string key, string value, string expected)
    {
        var problem = ProblemWith((key, value));

        Assert.NotNull(problem);
        Assert.StartsWith(expected, problem);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void TheDefaultsAreSensible()
    {
        Assert.Null(ProblemWith());
    }

    [Fact]
    public void SeveralNonsenseValuesAreNamedOnTheOneLine()
    {
        var problem = ProblemWith(("Jobs:LeaseSeconds", "0"), ("Limits:MaxListItems", "0"));

        Assert.Equal("Limits__MaxListItems must be from 1 to 2147483647; Jobs__LeaseSeconds must be from 3 to 86400", problem); // in the order the areas register
    }

    [Fact]
    public void ARateLimitSettingChangesOnlyWhatItNames()
    {
        var settings = Build(("RateLimiting:Policies:assign:PermitLimit", "3")).GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimitOptions>>().Value;

        Assert.Equal((3, 1.0), (settings.For("assign").PermitLimit, settings.For("assign").WindowSeconds));
        Assert.Equal((10, 60.0), (settings.For("imports").PermitLimit, settings.For("imports").WindowSeconds));
    }

    [Theory]
    [InlineData("Jobs__LeaseSeconds", "0", "Jobs__LeaseSeconds must be from 3 to 86400")]
    [InlineData("Limits__MaxListItems", "0", "Limits__MaxListItems must be from 1 to 2147483647")]
    [InlineData("ConnectionStrings__Postgres", "", "ConnectionStrings__Postgres is not set: name the PostgreSQL database (./run.sh does this for you)")]
    [InlineData("Idempotency__RetentionHours", "0", "Idempotency__RetentionHours must be from 0.01 to 8760")]
    [InlineData("Security__TrustLoopback", "yes please", "Security__TrustLoopback: must be true or false, not \"yes please\"")]
    [InlineData("Telemetry__CountsSeconds", "abc", "Telemetry__CountsSeconds: must be a number")]
    [InlineData("Limits__BodyBytes__Orders", "abc", "Limits__BodyBytes__Orders: must be a whole number")]
    public async Task TheProcessStopsWithExitCode2AndOneLine(string variable, string value, string expected)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "SweetsStore.Api.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ConnectionStrings__Postgres"] = Database,
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                [variable] = value,
            },
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            // A setting that is wrongly accepted leaves the API serving: it must not outlive the failed test.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        Assert.Equal(2, process.ExitCode);
        Assert.Equal(expected, (await stderr).TrimEnd('\n'));
        Assert.Equal("", await stdout);
    }

    // The areas Program.cs adds, over the given settings, built but not started.
    private static string? ProblemWith(params (string Key, string Value)[] settings) => Settings.Problem(Build(settings));

    private static IServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = Database }
                .Concat(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
                .GroupBy(s => s.Key).Select(g => g.Last()));
        builder.AddDatabase();
        builder.AddOperatorAccess();
        builder.AddApi();
        builder.AddInputLimits();
        builder.AddBackgroundJobs();
        builder.AddIdempotency();
        builder.AddTelemetry();
        builder.AddDashboard();
        return builder.Build().Services;
    }
}
