using System.ComponentModel.DataAnnotations;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

/// <summary>Where the database is (configuration section <c>ConnectionStrings</c>), checked at start without connecting.</summary>
public sealed class ConnectionStringOptions : IValidatableObject
{
    public const string Section = "ConnectionStrings";

    /// <summary>The Npgsql connection string; <see cref="Database"/> adds its defaults where it says nothing.</summary>
    public string? Postgres { get; set; }

    /// <summary>
    /// Optional: where the reads that may be a little behind go (<see cref="StaleReads"/>: the pages of the lists
    /// and <c>/stats</c>), typically a standby; unset, they read on the primary (docs/operations.md).
    /// </summary>
    public string? PostgresReads { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Postgres))
        {
            yield return new ValidationResult("is not set: name the PostgreSQL database (./run.sh does this for you)", [nameof(Postgres)]);
        }
        else if (ConnectionStringCheck.Problem(Postgres) is { } problem)
        {
            yield return new ValidationResult($"cannot be used: {problem}", [nameof(Postgres)]);
        }

        if (!string.IsNullOrWhiteSpace(PostgresReads) && ConnectionStringCheck.Problem(PostgresReads) is { } readsProblem)
        {
            yield return new ValidationResult($"cannot be used: {readsProblem}", [nameof(PostgresReads)]);
        }
    }
}
