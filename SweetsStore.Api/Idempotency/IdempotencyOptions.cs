using System.ComponentModel.DataAnnotations;
using SweetsStore.Api.Infrastructure;

namespace SweetsStore.Api.Idempotency;

/// <summary><c>Idempotency-Key</c> settings (configuration section <c>Idempotency</c>), checked at start (<see cref="Settings"/>).</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>
    /// How long an answer stored under a key is replayed; an older key counts as new, and the recurring purge
    /// (<see cref="IdempotencyPurge"/>, every 15 minutes) deletes it. Default 24 h, as the contract says.
    /// </summary>
    [Range(0.01, 8_760, ErrorMessage = Settings.FromTo)]
    public double RetentionHours { get; set; } = 24;

    public TimeSpan Retention => TimeSpan.FromHours(RetentionHours);
}
