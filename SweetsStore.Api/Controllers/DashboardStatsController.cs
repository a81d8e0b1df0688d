using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using NodaTime;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Api.Telemetry;
using SweetsStore.Data;

namespace SweetsStore.Api.Controllers;

/// <summary>What the operator dashboard shows beyond the counts of <c>GET /stats</c>.</summary>
[ApiController]
[Route("stats")]
[Produces("application/json")]
public sealed class DashboardStatsController(DashboardService dashboard, RegionsCache regions, IOptions<DashboardOptions> options, IClock clock)
    : ControllerBase
{
    /// <summary>Assigns and completes per second, and assign latency, over the last 15 minutes (this process).</summary>
    /// <remarks>
    /// From this process's own metrics, in 5-second steps, oldest first: what this instance served (each replica
    /// answers for itself). The latency is the server's time for <c>POST /orders/assign</c> (p50 and p99 of the step).
    /// </remarks>
    [HttpGet("live")]
    [ProducesResponseType<LiveResponse>(StatusCodes.Status200OK)]
    public LiveResponse Live()
    {
        if (HttpContext.RequestServices.GetService<LiveRates>() is not { } live)
        {
            return new LiveResponse(false, LiveRates.StepSeconds, LiveRates.Steps * LiveRates.StepSeconds, null, [], [], [], []);
        }

        var series = live.Snapshot();
        return new LiveResponse(
            true, series.StepSeconds, LiveRates.Steps * series.StepSeconds, Instant.FromDateTimeOffset(series.End),
            series.AssignsPerSecond, series.CompletesPerSecond, series.AssignP50Ms, series.AssignP99Ms);
    }

    /// <summary>The regions with the most pending orders: how many, and their total weight.</summary>
    /// <remarks>Counted at most every <c>Dashboard:RegionsSeconds</c> (30 s) for all viewers: it reads every pending order's index entry.</remarks>
    [HttpGet("regions")]
    [ProducesResponseType<RegionsResponse>(StatusCodes.Status200OK)]
    public async Task<RegionsResponse> Regions(CancellationToken ct) => RegionsResponse.From(await regions.GetAsync(ct));

    /// <summary>Bundles open longer than <c>Dashboard:StaleBundleMinutes</c> (60), oldest first, with their courier.</summary>
    [HttpGet("stale-bundles")]
    [ProducesResponseType<StaleBundlesResponse>(StatusCodes.Status200OK)]
    public async Task<StaleBundlesResponse> StaleBundles(CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.GetCurrentInstant();
        var view = await dashboard.OpenSinceAsync(now - settings.StaleAfter, settings.StaleBundlesShown, ct);
        return new StaleBundlesResponse(settings.StaleBundleMinutes, view.Total, view.Bundles.Select(b => StaleBundleResponse.From(b, now)).ToArray());
    }
}
