using System.ComponentModel.DataAnnotations;

namespace SweetsStore.Api.Infrastructure;

/// <summary>One group's fixed window: <see cref="PermitLimit"/> requests per client IP per <see cref="WindowSeconds"/>.</summary>
public sealed class RateLimitRule
{
    [Range(1, 1_000_000_000, ErrorMessage = Settings.FromTo)]
    public int PermitLimit { get; set; } = 1000;

    [Range(0.001, 86_400, ErrorMessage = Settings.FromTo)]
    public double WindowSeconds { get; set; } = 1;
}
