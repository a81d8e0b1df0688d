using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Optional per-client rate limits (configuration section <c>RateLimiting</c>), off by default. Each endpoint
/// belongs to a group (<see cref="Groups"/>); a group allows <c>PermitLimit</c> requests per client IP per
/// <c>WindowSeconds</c>, and answers 429 with a JSON error and <c>Retry-After</c> beyond that.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>The groups endpoints are put in; <c>default</c> covers everything not named otherwise.</summary>
    public static readonly IReadOnlyList<string> Groups = ["default", "imports", "assign", "complete", "reads"];

    public bool Enabled { get; set; }

    public Dictionary<string, RateLimitRule> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public RateLimitRule For(string group) =>
        Policies.TryGetValue(group, out var rule) ? rule : Policies.TryGetValue("default", out var fallback) ? fallback : new RateLimitRule();
}

public sealed class RateLimitRule
{
    public int PermitLimit { get; set; } = 1000;

    public double WindowSeconds { get; set; } = 1;
}

public static class RateLimits
{
    public static void Add(IServiceCollection services, RateLimitOptions options)
    {
        services.AddRateLimiter(o =>
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
                var rule = options.For(group);
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
    }
}
