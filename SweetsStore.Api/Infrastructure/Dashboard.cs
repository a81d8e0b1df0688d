using Microsoft.Extensions.Options;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// The operator dashboard: static files in <c>wwwroot/dashboard</c> (HTML, CSS, JS; no build step) that read
/// <c>GET /stats</c>, <c>GET /imports</c> and <c>GET /couriers</c>. Its page answers at <c>/dashboard</c> and
/// <c>/dashboard/</c>; it links its files by absolute paths, so both work without a redirect.
/// </summary>
internal static class Dashboard
{
    private const string Page = "dashboard/index.html";

    /// <summary>The dashboard's settings and reads (<see cref="DashboardService"/>; its live charts are Telemetry's).</summary>
    public static WebApplicationBuilder AddDashboard(this WebApplicationBuilder builder)
    {
        builder.Services.AddSettings<DashboardOptions>(DashboardOptions.Section);
        builder.Services.AddSingleton<DashboardService>();
        builder.Services.AddSingleton<RegionsCache>();
        return builder;
    }

    /// <summary>Serves <c>wwwroot</c>; browsers revalidate (cheap, by ETag) so a new version shows at once.</summary>
    public static IApplicationBuilder UseDashboardFiles(this IApplicationBuilder app) =>
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
        });

    public static IEndpointConventionBuilder MapDashboard(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/dashboard", (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                // The page loads only its own files and talks only to this API.
                context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'";
                return Results.File(Page, "text/html; charset=utf-8");
            })
            .ExcludeFromDescription();
}

/// <summary>The regions with the most pending orders, counted at most every <see cref="DashboardOptions.RegionsSeconds"/> for all viewers.</summary>
public sealed class RegionsCache(DashboardService dashboard, IOptions<DashboardOptions> options)
{
    private readonly Telemetry.Cached<RegionsView> _regions = new(
        ct => dashboard.PendingByRegionAsync(options.Value.RegionsShown, ct), TimeSpan.FromSeconds(options.Value.RegionsSeconds));

    public Task<RegionsView> GetAsync(CancellationToken ct) => _regions.GetAsync(ct);
}
