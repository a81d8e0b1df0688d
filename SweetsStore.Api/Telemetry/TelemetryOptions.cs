using System.ComponentModel.DataAnnotations;
using SweetsStore.Api.Infrastructure;

namespace SweetsStore.Api.Telemetry;

/// <summary>Metrics, traces and the related logs (configuration section <c>Telemetry</c>), checked at start.</summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Collect metrics: <c>GET /metrics</c>, the OTLP metrics export when an endpoint is set, and the dashboard's live
    /// charts. Off: none of them (the instruments then cost nothing; <c>/metrics</c> answers 404).
    /// </summary>
    public bool Metrics { get; set; } = true;

    /// <summary>
    /// Also collect the instruments that record on every request, database command, socket read or buffer rent (active
    /// requests, routing attempts, Kestrel's memory pool, Npgsql's bytes and executing commands): off, as they cost
    /// more than they tell (<see cref="TelemetrySetup.PerOperationExtras"/>).
    /// </summary>
    public bool EveryInstrument { get; set; }

    /// <summary>
    /// Where to send traces and metrics over OTLP (an OpenTelemetry Collector, say <c>http://collector:4317</c>).
    /// Empty: nothing is exported and no trace is recorded beyond the ids every request and log line carries.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (port 4317 by convention) or <c>http/protobuf</c> (4318; the paths <c>/v1/traces</c> and <c>/v1/metrics</c> are added).</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>How often metrics are pushed to the OTLP endpoint.</summary>
    [Range(1, 3600, ErrorMessage = Settings.FromTo)]
    public double OtlpExportSeconds { get; set; } = 60;

    /// <summary>The <c>service.name</c> of exported traces and metrics.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "must not be empty")]
    public string ServiceName { get; set; } = "sweetsstore";

    /// <summary>
    /// How old the gauges' counts (orders by status, open bundles, jobs by state) may be: a scrape or export reads
    /// them from memory, and they are counted again at most this often, so a busy scraper never counts the orders table.
    /// </summary>
    [Range(1, 3600, ErrorMessage = Settings.FromTo)]
    public double CountsSeconds { get; set; } = 15;

    /// <summary>An assign that lost more races than this for its orders (and tried again each time) is logged as a warning.</summary>
    [Range(0, 1000, ErrorMessage = Settings.FromTo)]
    public int AssignRetriesWarning { get; set; } = 3;

    public TimeSpan CountsMaxAge => TimeSpan.FromSeconds(CountsSeconds);

    /// <summary>The OTLP endpoint, or null when export is off.</summary>
    public Uri? Otlp => string.IsNullOrWhiteSpace(OtlpEndpoint) ? null : new Uri(OtlpEndpoint.Trim(), UriKind.Absolute);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && (!Uri.TryCreate(OtlpEndpoint.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult(
                $"must be an absolute http:// or https:// URL (like http://collector:4317), not \"{OtlpEndpoint}\"",
                [nameof(OtlpEndpoint)]);
        }

        if (OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            yield return new ValidationResult(
                $"must be \"grpc\" or \"http/protobuf\", not \"{OtlpProtocol}\"", [nameof(OtlpProtocol)]);
        }
    }
}
