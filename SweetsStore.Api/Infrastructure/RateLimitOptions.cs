using System.ComponentModel.DataAnnotations;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Optional per-client rate limits (configuration section <c>RateLimiting</c>), off by default. Each endpoint
/// belongs to a group (<see cref="Groups"/>); a group allows <c>PermitLimit</c> requests per client IP per
/// <c>WindowSeconds</c>, and answers 429 with a JSON error and <c>Retry-After</c> beyond that.
/// </summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "RateLimiting";

    /// <summary>The groups endpoints are put in; <c>default</c> covers everything not named otherwise.</summary>
    public static readonly IReadOnlyList<string> Groups = ["default", "imports", "assign", "complete", "reads"];

    public bool Enabled { get; set; }

    /// <summary>Each group's rule; a setting changes only what it names (<c>Policies:assign:PermitLimit</c>).</summary>
    public Dictionary<string, RateLimitRule> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["default"] = new RateLimitRule { PermitLimit = 1000, WindowSeconds = 1 },
        ["imports"] = new RateLimitRule { PermitLimit = 10, WindowSeconds = 60 },
        ["assign"] = new RateLimitRule { PermitLimit = 500, WindowSeconds = 1 },
        ["complete"] = new RateLimitRule { PermitLimit = 1000, WindowSeconds = 1 },
        ["reads"] = new RateLimitRule { PermitLimit = 2000, WindowSeconds = 1 },
    };

    public RateLimitRule For(string group) => Policies.TryGetValue(group, out var rule) ? rule : Policies["default"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (group, rule) in Policies)
        {
            if (!Groups.Contains(group, StringComparer.OrdinalIgnoreCase))
            {
                yield return new ValidationResult($"is not a group (they are {string.Join(", ", Groups)})", [$"Policies:{group}"]);
                continue;
            }

            var results = new List<ValidationResult>();
            Validator.TryValidateObject(rule, new ValidationContext(rule), results, validateAllProperties: true);
            foreach (var result in results)
            {
                yield return new ValidationResult(result.ErrorMessage, result.MemberNames.Select(m => $"Policies:{group}:{m}"));
            }
        }
    }
}
