using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NodaTime;
using Npgsql;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Errors;
using SweetsStore.Api.Imports;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Api.Infrastructure.OpenApi;
using SweetsStore.Api.Jobs;
using SweetsStore.Data;
using SweetsStore.Data.Imports;

// Settings live next to the binary, wherever it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var services = builder.Services;
var configuration = builder.Configuration;

var connectionString = configuration.GetConnectionString("Postgres");
if (string.IsNullOrWhiteSpace(connectionString))
{
    Console.Error.WriteLine("ConnectionStrings__Postgres is not set: name the PostgreSQL database (./run.sh does this for you).");
    return 2;
}

if (builder.AddOperatorAccess() is { } securityProblem)
{
    Console.Error.WriteLine(securityProblem);
    return 2;
}

builder.ChooseConsoleFormat();

services.AddSingleton(Database.CreateDataSource(connectionString));
services.AddSingleton(new PointReads(Database.CreatePointReadSource(connectionString, configuration.GetValue("Database:MultiplexPointReads", true))));
services.AddDbContext<StoreDbContext>((sp, o) => o.UseStore(sp.GetRequiredService<NpgsqlDataSource>()));
services.AddSingleton<IClock>(SystemClock.Instance);
services.AddSingleton<CourierService>();
services.AddSingleton<OrderService>();
services.AddSingleton<DeliveryService>();
services.AddSingleton<StatsService>();
services.AddSingleton<PlannerStatistics>();
services.AddSingleton<ImportStore>();
services.AddSingleton<SyncImports>();
services.Configure<InputLimits>(configuration.GetSection("Limits"));
services.Configure<BodyLimitOptions>(configuration.GetSection("Limits"));
services.Configure<StatisticsOptions>(configuration.GetSection("Database"));

services.AddControllers(o =>
    {
        // Bodies are read as JSON whatever their Content-Type (as the classic service did). MVC's form value
        // providers would otherwise parse a form-typed body as a form first, consuming it or failing on it.
        o.ValueProviderFactories.RemoveType<FormValueProviderFactory>();
        o.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
        o.ValueProviderFactories.RemoveType<FormFileValueProviderFactory>();
    })
    .AddJsonOptions(o => ApiJson.Configure(o.JsonSerializerOptions))
    .ConfigureApiBehaviorOptions(o => o.SuppressModelStateInvalidFilter = true);
services.AddExceptionHandler<ApiExceptionHandler>();
services.AddProblemDetails();
services.AddApiDocument();
var rateLimits = configuration.GetSection("RateLimiting").Get<RateLimitOptions>() ?? new RateLimitOptions();
if (rateLimits.Enabled)
{
    RateLimits.Add(services, rateLimits);
}

// A request that runs longer than this is cancelled (its transaction rolls back) and answered 503.
services.AddRequestTimeouts(o =>
{
    o.DefaultPolicy = new Microsoft.AspNetCore.Http.Timeouts.RequestTimeoutPolicy
    {
        Timeout = TimeSpan.FromSeconds(configuration.GetValue("Limits:RequestTimeoutSeconds", 30.0)),
        TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
    };
    o.AddPolicy("imports", TimeSpan.FromSeconds(configuration.GetValue("Limits:ImportTimeoutSeconds", 600.0)));
});
builder.WebHost.ConfigureKestrel(k =>
{
    // Slow clients: headers must arrive within 10 s, bodies at ≥ 240 B/s after a 5 s grace (Kestrel's rate rule).
    k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(configuration.GetValue("Limits:HeadersTimeoutSeconds", 10.0));
    k.Limits.MaxRequestBodySize = null; // per endpoint, see BodyLimitMiddleware
});

services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);
var schema = new SchemaGate();
services.AddSingleton(schema);
if (configuration.GetValue("Database:MigrateOnStartup", true))
{
    services.AddHostedService<MigrationRunner>();
}
else
{
    schema.Open();
}

services.AddHostedService<StatisticsKeeper>();
services.AddSingleton<AccessLog>();
services.AddHostedService(sp => sp.GetRequiredService<AccessLog>());
builder.AddBackgroundJobs(connectionString);

var app = builder.Build();

if (args.FirstOrDefault() == "migrate")
{
    await MigrationRunner.MigrateAsync(app.Services, CancellationToken.None);
    Console.WriteLine("migrations applied");
    return 0;
}

app.UseForwardedClients();
app.UseMiddleware<RequestLogging>();
app.UseExceptionHandler();
app.UseStatusCodePages(context => ErrorWriter.ProblemAsync(
    context.HttpContext,
    context.HttpContext.Response.StatusCode,
    ReasonPhrases(context.HttpContext.Response.StatusCode),
    $"{context.HttpContext.Request.Method} {context.HttpContext.Request.Path} cannot be served"));

app.UseApiDocument();

// Operator dashboard: a static page over GET /stats, /imports and /couriers (Infrastructure/Dashboard.cs).
app.UseWhen(c => c.Request.Path.StartsWithSegments("/dashboard"), dashboard => dashboard.UseDashboardFiles());
app.UseBackgroundJobsDashboard(); // Hangfire's, at /hangfire (Jobs/BackgroundJobs.cs)

app.UseRouting();
app.UseMethodRouting();
app.UseMiddleware<BodyLimitMiddleware>();
app.UseMiddleware<RequestBodyGuard>();
if (rateLimits.Enabled)
{
    app.UseRateLimiter();
}

app.UseRequestTimeouts();
var controllers = app.MapControllers();
if (rateLimits.Enabled)
{
    // Endpoints that name no group get the default one (a convention added for all would override their names).
    controllers.Add(endpoint =>
    {
        if (!endpoint.Metadata.OfType<Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute>().Any())
        {
            endpoint.Metadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute("default"));
        }
    });
}
app.MapDashboard();
app.MapRootRedirect();
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthJson.Write });
app.MapHealthChecks("/health/ready", new HealthCheckOptions
{
    Predicate = c => c.Tags.Contains("ready"),
    ResponseWriter = HealthJson.Write,
    ResultStatusCodes = { [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable, [HealthStatus.Degraded] = StatusCodes.Status200OK },
});

await app.RunAsync();
return 0;

static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);

/// <summary>The entry point; public so the tests can host the real pipeline.</summary>
public partial class Program;
