using SweetsStore.Api.Idempotency;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Api.Infrastructure.OpenApi;
using SweetsStore.Api.Jobs;
using SweetsStore.Api.Telemetry;

// Settings live next to the binary, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Each area registers its own settings (typed, checked at start: Infrastructure/Settings.cs) and services.
builder.ChooseConsoleFormat();     // Infrastructure/ConsoleFormat.cs: text in a terminal, JSON lines elsewhere
builder.AddDatabase();             // Infrastructure/DatabaseSetup.cs: data sources, Data's services, migrations, readiness
builder.AddOperatorAccess();       // Infrastructure/OperatorAccessSetup.cs: who may use the operator endpoints
builder.AddApi();                  // Infrastructure/ApiSetup.cs: controllers, JSON, errors, OpenAPI, imports, access log
builder.AddInputLimits();          // Infrastructure/ApiSetup.cs: body sizes, time limits, rate limits
builder.AddBackgroundJobs();       // Jobs/BackgroundJobs.cs: Hangfire (import jobs, maintenance, dashboard)
builder.AddIdempotency();          // Idempotency/IdempotencyExtensions.cs: Idempotency-Key, the assignment preview
builder.AddTelemetry();            // Telemetry/: metrics (/metrics)
builder.AddDashboard();            // the operator dashboard's services

var app = builder.Build();

// A nonsense setting stops the process here, before anything starts, with one line naming it.
if (Settings.Problem(app.Services) is { } problem)
{
    Console.Error.WriteLine(problem);
    return 2;
}

if (args.FirstOrDefault() == "migrate")
{
    await MigrationRunner.MigrateAsync(app.Services, CancellationToken.None);
    Console.WriteLine("migrations applied");
    return 0;
}

app.UseForwardedClients();         // the client a configured proxy names
app.UseMiddleware<RequestLogging>(); // one line per request, X-Trace-Id
app.UseErrors();                   // exceptions and bare statuses in the contract's error shapes
app.UseApiDocument();              // /swagger
app.UseWhen(c => c.Request.Path.StartsWithSegments("/dashboard"), dashboard => dashboard.UseDashboardFiles());
app.UseBackgroundJobsDashboard();  // Hangfire's, at /hangfire
app.UseRouting();
app.UseMethodRouting();            // 405 with Allow for a known path
app.UseInputLimits();
app.UseIdempotency();              // Idempotency-Key: replays, 409, 422 (after the limits, before the endpoints)
app.MapApi();                      // controllers, /dashboard, /, /health/live, /health/ready
app.MapTelemetry();                // /metrics

await app.RunAsync();
return 0;

/// <summary>The entry point; public so the tests can host the real pipeline.</summary>
public partial class Program;
