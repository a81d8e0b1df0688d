using System.ComponentModel;
using Hangfire;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Jobs;
using SweetsStore.Data.Idempotency;

namespace SweetsStore.Api.Idempotency;

/// <summary>
/// Deletes the <c>Idempotency-Key</c> records past their retention, as a recurring Hangfire job on the maintenance
/// queue (registered with the others by <see cref="Maintenance.Register"/>). Expired keys already count as new
/// when read, so the purge only keeps the table small; a run that fails waits for the next.
/// </summary>
public sealed class IdempotencyPurge(IdempotencyStore store, IOptions<IdempotencyOptions> options, ILogger<IdempotencyPurge> logger)
{
    public const string Id = "idempotency-keys-purge";

    /// <summary>Every 15 minutes.</summary>
    public const string Cron = "*/15 * * * *";

    [Queue(Maintenance.Queue)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [DisplayName("Purge expired Idempotency-Keys")]
    public async Task<long> PurgeAsync(CancellationToken ct)
    {
        var purged = await store.PurgeAsync(options.Value.Retention, ct);
        if (purged > 0)
        {
            logger.LogInformation("Purged {Keys} Idempotency-Keys older than {Hours} h", purged, options.Value.RetentionHours);
        }

        return purged;
    }
}
