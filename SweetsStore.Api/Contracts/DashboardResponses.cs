using System.Text.Json.Serialization;
using NodaTime;
using SweetsStore.Data;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// This process's assigns and completes per second and its assign latency over the last 15 minutes, oldest first, one
/// value per step; the last step ends at <c>end</c>. A latency is null for a step without assigns. With metrics off
/// (<c>Telemetry:Metrics=false</c>) <c>metrics</c> is false and the lists are empty.
/// </summary>
public sealed record LiveResponse(
    bool Metrics,
    int StepSeconds,
    int WindowSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Instant? End,
    IReadOnlyList<double> AssignsPerSecond,
    IReadOnlyList<double> CompletesPerSecond,
    IReadOnlyList<double?> AssignP50Ms,
    IReadOnlyList<double?> AssignP99Ms);

/// <summary>A region's pending orders and their weight (kg).</summary>
public sealed record RegionResponse(int Region, long Pending, decimal Weight)
{
    public static RegionResponse From(RegionPool r) => new(r.Region, r.Pending, r.WeightHundredthsOfKg / 100m);
}

/// <summary>The regions with the most pending orders (ties by region number), and how many regions have any.</summary>
public sealed record RegionsResponse(IReadOnlyList<RegionResponse> Regions, long RegionsWithPending)
{
    public static RegionsResponse From(RegionsView v) => new(v.Top.Select(RegionResponse.From).ToArray(), v.Regions);
}

/// <summary>An open bundle, its courier, since when, and how many of its orders are delivered.</summary>
public sealed record StaleBundleResponse(
    long BundleId, long CourierId, string CourierType, Instant AssignTime, double OpenMinutes, int Orders, int OpenOrders)
{
    public static StaleBundleResponse From(OpenBundleView b, Instant now) => new(
        b.BundleId, b.CourierId, Domain.CourierTypes.ToContractName(b.CourierType), b.AssignTime,
        Math.Round((now - b.AssignTime).TotalMinutes, 1), b.Orders, b.OpenOrders);
}

/// <summary>Bundles open longer than <c>older_than_minutes</c>, oldest first (the first page), and how many in all.</summary>
public sealed record StaleBundlesResponse(double OlderThanMinutes, long Total, IReadOnlyList<StaleBundleResponse> Bundles);
