using System.Text.Json.Serialization;

namespace SweetsStore.Bench.Report;

/// <summary>
/// One row of the results: the figure, the same-run baseline and their ratio (null where no baseline exists),
/// the target in words and whether it was met. <see cref="Details"/> are written as extra fields of the same object.
/// </summary>
internal sealed class ScenarioResult
{
    public required string Name { get; init; }

    public double? Value { get; set; }

    public required string Unit { get; init; }

    public double? Baseline { get; set; }

    public double? Ratio { get; set; }

    public required string Target { get; init; }

    public bool Met { get; set; }

    /// <summary>Data sizes the figure was measured on, in words.</summary>
    public string? Data { get; set; }

    /// <summary>How to read <see cref="Ratio"/> (which side is divided by which).</summary>
    public string? RatioMeaning { get; set; }

    /// <summary>Why the figure is missing, when it is.</summary>
    public string? Error { get; set; }

    [JsonExtensionData]
    public Dictionary<string, object?> Details { get; set; } = [];

    public static ScenarioResult Failed(string name, string unit, string target, Exception e) => new()
    {
        Name = name,
        Unit = unit,
        Target = target,
        Met = false,
        Error = $"{e.GetType().Name}: {e.Message}",
    };
}
