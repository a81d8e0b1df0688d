using System.ComponentModel.DataAnnotations;
using SweetsStore.Api.Infrastructure;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// Limits on what a request may send and how long it may take (configuration section <c>Limits</c>), checked at start
/// (<see cref="Settings"/>): a limit of 0 would refuse everything or nothing.
/// </summary>
public sealed class InputLimits : IValidatableObject
{
    public const string Section = "Limits";

    /// <summary>Most elements in one import's <c>data</c>.</summary>
    [Range(1, int.MaxValue, ErrorMessage = Settings.FromTo)]
    public int MaxImportItems { get; set; } = 1_000_000;

    /// <summary>Most elements in one background import (<c>POST /imports/…</c>).</summary>
    [Range(1, int.MaxValue, ErrorMessage = Settings.FromTo)]
    public int MaxBackgroundImportItems { get; set; } = 10_000_000;

    /// <summary>
    /// Rows an import COPYs at a time, orders sorted in pool-index order within each batch; one batch is copied while
    /// the next is read, so an import holds about two (docs/decisions/0016, step 4).
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = Settings.FromTo)]
    public int ImportBatchRows { get; set; } = 25_000;

    /// <summary>Most regions or time windows in one courier or order.</summary>
    [Range(1, int.MaxValue, ErrorMessage = Settings.FromTo)]
    public int MaxListItems { get; set; } = 1_000;

    /// <summary>Body limit of endpoints without a named one, bytes (a larger body is answered 413).</summary>
    [Range(typeof(long), "1", "9223372036854775807", ErrorMessage = Settings.FromTo)]
    public long DefaultBodyBytes { get; set; } = 1L << 20;

    /// <summary>Named body limits, bytes: <c>Orders</c> and <c>Couriers</c> (the synchronous imports), <c>Imports</c> (background imports).</summary>
    public Dictionary<string, long> BodyBytes { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Orders"] = 64L << 20,
        ["Couriers"] = 64L << 20,
        ["Imports"] = 1L << 30,
    };

    /// <summary>A request still running after this is cancelled (its transaction rolls back) and answered 503.</summary>
    [Range(0.1, 86_400, ErrorMessage = Settings.FromTo)]
    public double RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>The same for the imports (the endpoints with <c>[RequestTimeout("imports")]</c>).</summary>
    [Range(0.1, 86_400, ErrorMessage = Settings.FromTo)]
    public double ImportTimeoutSeconds { get; set; } = 600;

    /// <summary>Slow clients: a request's headers must arrive within this.</summary>
    [Range(0.1, 3_600, ErrorMessage = Settings.FromTo)]
    public double HeadersTimeoutSeconds { get; set; } = 10;

    /// <summary>The body limit of the endpoint whose <c>[BodyLimit]</c> is <paramref name="name"/> (null: none).</summary>
    public long BodyBytesFor(string? name) => name is not null && BodyBytes.TryGetValue(name, out var bytes) ? bytes : DefaultBodyBytes;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        BodyBytes.Where(b => b.Value < 1).Select(b => new ValidationResult("must be at least 1", [$"BodyBytes:{b.Key}"]));
}
