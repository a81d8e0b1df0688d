using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SweetsStore.Api.Infrastructure;

namespace SweetsStore.Api.Telemetry;

/// <summary>
/// Metrics, traces and log correlation (docs/decisions/0015): OpenTelemetry with ASP.NET Core's, the runtime's,
/// Npgsql's and our own meter (<see cref="StoreMetrics"/>, <see cref="StoreCounts"/>); <c>GET /metrics</c> in the
/// Prometheus text format for operators; OTLP export of traces and metrics only when an endpoint is configured.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The scrape endpoint's path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Instruments that record on every request, command, socket read or buffer rent and say little an operator of this
    /// service acts on: dropped unless <see cref="TelemetryOptions.EveryInstrument"/> (a dropped instrument is never
    /// enabled, so it costs nothing). What they cost is in docs/decisions/0015.
    /// </summary>
    public static readonly IReadOnlyList<string> PerOperationExtras =
    [
        "http.server.active_requests",             // two updates per request
        "aspnetcore.routing.match_attempts",       // one per request
        "aspnetcore.memory_pool.rented",           // one per buffer rented: several per request
        "aspnetcore.memory_pool.allocated",
        "aspnetcore.memory_pool.pooled",
        "db.client.operation.npgsql.bytes_read",    // one per socket read
        "db.client.operation.npgsql.bytes_written", // one per socket write
        "db.client.operation.npgsql.executing",     // two updates per command
    ];

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<TelemetryOptions>(TelemetryOptions.Section);
        var settings = Settings.ReadOrDefault<TelemetryOptions>(builder.Configuration.GetSection(TelemetryOptions.Section));
        services.AddSingleton<StoreMetrics>();
        services.AddSingleton(TimeProvider.System);

        // Every log line written while a request (or a traced job) runs carries its trace and span ids, in the scopes the
        // console formatter prints (Logging:Console:FormatterOptions:IncludeScopes).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);

        // Checked at start by the options validation above; an invalid endpoint is left for it to report.
        var otlp = Uri.TryCreate(settings.OtlpEndpoint?.Trim(), UriKind.Absolute, out var endpoint) ? endpoint : null;
        if (!settings.Metrics && otlp is null)
        {
            return builder;
        }

        var otel = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(
            settings.ServiceName, serviceVersion: Versioning.Version, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"));
        var protocol = settings.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        if (settings.Metrics)
        {
            services.AddSingleton<StoreCounts>();
            services.AddSingleton<LiveRates>();
            otel.WithMetrics(metrics =>
            {
                metrics.AddMeter(StoreMetrics.MeterName)
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (!settings.EveryInstrument)
                {
                    foreach (var name in PerOperationExtras)
                    {
                        metrics.AddView(name, MetricStreamConfiguration.Drop);
                    }
                }

                metrics
                    // Every scrape collects (no 300 ms answer cache): scrapes are few, and a test's two scrapes must differ.
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp is not null)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Endpoint = Signal(otlp, protocol, "v1/metrics");
                        exporter.Protocol = protocol;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)(settings.OtlpExportSeconds * 1000);
                    });
                }
            });
        }

        if (otlp is not null)
        {
            otel.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsOperatorNoise(http.Request.Path))
                .AddNpgsql()
                .AddOtlpExporter(exporter =>
                {
                    exporter.Endpoint = Signal(otlp, protocol, "v1/traces");
                    exporter.Protocol = protocol;
                }));
        }

        return builder;
    }

    /// <summary>
    /// <c>GET /metrics</c> for operators (<see cref="OperatorAccess"/>: loopback while trusted, or <c>X-Api-Key</c>);
    /// nothing when metrics are off. The gauges' counts are made fresh first when they are older than allowed.
    /// </summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        if (app.Services.GetService<StoreCounts>() is not { } counts)
        {
            return app;
        }

        app.Services.GetRequiredService<LiveRates>(); // listening from the start
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TelemetrySetup).FullName!);
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
        {
            if (!OperatorAccess.IsAllowed(http))
            {
                await OperatorAccess.RefuseAsync(http);
                return;
            }

            try
            {
                await counts.GetAsync(http.RequestAborted);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is down: the scrape still answers, with the last counts (sweetsstore_counts_age says how old).
                logger.LogWarning("Counting for the gauges failed: {Message}", e.Message);
            }

            await next(http);
        }), optionsName: null).WithMetadata(new HttpMethodMetadata([HttpMethods.Get])); // else it answered every method
        return app;
    }

    // Scrapes and health probes would be most of the traces, and say nothing.
    private static bool IsOperatorNoise(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/health");

    // With http/protobuf the exporter takes the endpoint as given: the signal's path is added unless one is there.
    private static Uri Signal(Uri endpoint, OtlpExportProtocol protocol, string path) =>
        protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "" or "/"
            ? new Uri(endpoint, path)
            : endpoint;
}
