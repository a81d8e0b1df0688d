using System.ComponentModel.DataAnnotations;

namespace SweetsStore.Api.Infrastructure;

/// <summary>The operator dashboard's settings (configuration section <c>Dashboard</c>), checked at start.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>A bundle still open this long after its assign is listed as stale (with its courier).</summary>
    [Range(1, 525_600, ErrorMessage = Settings.FromTo)]
    public double StaleBundleMinutes { get; set; } = 60;

    /// <summary>Stale bundles listed, oldest first (all are counted).</summary>
    [Range(1, 1000, ErrorMessage = Settings.FromTo)]
    public int StaleBundlesShown { get; set; } = 20;

    /// <summary>Regions listed, most pending orders first.</summary>
    [Range(1, 1000, ErrorMessage = Settings.FromTo)]
    public int RegionsShown { get; set; } = 10;

    /// <summary>
    /// How old the list of regions may be: counting pending orders by region reads every pending entry of the pool
    /// index, so every viewer shares one count made at most this often.
    /// </summary>
    [Range(1, 3600, ErrorMessage = Settings.FromTo)]
    public double RegionsSeconds { get; set; } = 30;

    public NodaTime.Duration StaleAfter => NodaTime.Duration.FromMinutes(StaleBundleMinutes);
}
