using Microsoft.AspNetCore.Mvc;
using SweetsStore.Api.Contracts;
using SweetsStore.Data;

namespace SweetsStore.Api.Controllers;

/// <summary>Counts for the operator dashboard.</summary>
[ApiController]
[Route("stats")]
[Produces("application/json")]
public sealed class StatsController(StatsService stats) : ControllerBase
{
    /// <summary>Exact counts of couriers, orders by status, bundles, imports and background jobs, read in one snapshot.</summary>
    [HttpGet]
    [ProducesResponseType<StatsResponse>(StatusCodes.Status200OK)]
    public async Task<StatsResponse> Get(CancellationToken ct) => StatsResponse.From(await stats.GetAsync(ct));
}
