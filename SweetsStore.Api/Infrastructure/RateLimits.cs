using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace SweetsStore.Api.Infrastructure;

/// <summary>The rate limiter of <see cref="RateLimitOptions"/>: always registered, in the pipeline only when enabled.</summary>
public static class RateLimits
{
    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddSettings<RateLimitOptions>(RateLimitOptions.Section);
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((o, settings) =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await Errors.ErrorWriter.ProblemAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too Many Requests",
                    "this client sent more requests than the configured limit; slow down and retry after the indicated time");
            };
            foreach (var group in RateLimitOptions.Groups)
            {
                var rule = settings.Value.For(group);
                o.AddPolicy(group, http => RateLimitPartition.GetFixedWindowLimiter(
                    (http.Connection.RemoteIpAddress ?? IPAddress.None).ToString(),
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = rule.PermitLimit,
                        Window = TimeSpan.FromSeconds(rule.WindowSeconds),
                        QueueLimit = 0,
                    }));
            }
        });
        return services;
    }

    /// <summary>The limiter, when enabled.</summary>
    public static IApplicationBuilder UseRateLimits(this IApplicationBuilder app) =>
        Enabled(app.ApplicationServices) ? app.UseRateLimiter() : app;

    /// <summary>
    /// When enabled: every endpoint of <paramref name="endpoints"/> that names no group goes in the default one (a
    /// convention added for all would override their names).
    /// </summary>
    public static TBuilder WithDefaultRateLimit<TBuilder>(this TBuilder endpoints, IServiceProvider services)
        where TBuilder : IEndpointConventionBuilder
    {
        if (Enabled(services))
        {
            endpoints.Add(endpoint =>
            {
                if (!endpoint.Metadata.OfType<EnableRateLimitingAttribute>().Any())
                {
                    endpoint.Metadata.Add(new EnableRateLimitingAttribute("default"));
                }
            });
        }

        return endpoints;
    }

    private static bool Enabled(IServiceProvider services) => services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled;
}
