using Npgsql;
using NpgsqlTypes;

namespace SweetsStore.Data.Idempotency;

/// <summary>
/// The answers stored under <c>Idempotency-Key</c>s (table <c>idempotency_keys</c>, docs/decisions/0014). The services
/// write them in their own transactions through an <see cref="IdempotencyHook"/>; this reads them, stores the answers
/// that have no effect (a 400), tells a claim's refusal from other errors and purges expired keys.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Claims the key for the transaction (function <c>idempotency_claim</c>, created by the migration
    /// <c>IdempotencyKeys</c>): fails the statement with SQLSTATE <see cref="BusyState"/> or <see cref="AnsweredState"/>.
    /// A function because one statement must first take the lock and then look for an answer with a snapshot taken
    /// after the lock (the holder's commit is visible by then); PL/pgSQL takes a fresh snapshot per statement.
    /// </summary>
    internal const string ClaimSql = "SELECT idempotency_claim($1, $2)";

    // Raised by idempotency_claim; class "SS" is ours (PostgreSQL's own classes never begin with S).
    private const string BusyState = "SSI09";
    private const string AnsweredState = "SSI00";

    private const int PurgeBatch = 10_000;

    /// <summary>
    /// Whether <paramref name="exception"/> (or an exception inside it) is a claim's refusal, either kind: the key is
    /// busy or already answered. The caller looks for the stored answer either way (docs/decisions/0014).
    /// </summary>
    public static bool IsRefusal(Exception? exception) => exception switch
    {
        null => false,
        PostgresException { SqlState: BusyState or AnsweredState } => true,
        _ => IsRefusal(exception.InnerException),
    };

    /// <summary>The answer stored under <paramref name="key"/> within <paramref name="retention"/>, or null.</summary>
    public async Task<IdempotencyRecordView?> FindAsync(string key, TimeSpan retention, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT method, target, fingerprint, status, body, location FROM idempotency_keys
            WHERE idempotency_key = $1 AND created_at > now() - make_interval(secs => $2)
            """);
        command.Parameters.Add(Sql.P(key));
        command.Parameters.Add(Sql.P(retention.TotalSeconds));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new IdempotencyRecordView(
            reader.GetString(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2),
            new IdempotentAnswer(reader.GetInt32(3), reader.GetFieldValue<byte[]>(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
    }

    /// <summary>
    /// Stores an answer that had no effect (a 400 or 404): the claim and the insert in one transaction, one round trip.
    /// Throws the claim's refusal like a service's transaction does (see <see cref="IsRefusal"/>).
    /// </summary>
    public async Task SaveAsync(IdempotentRequest request, IdempotentAnswer answer, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = new PipelinedTransaction(connection);
        await using (var batch = tx.Batch(commit: true,
            Sql.BatchCommand(ClaimSql, Sql.P(request.Key), Sql.P(request.Retention.TotalSeconds)),
            Sql.BatchCommand(SaveSql(null), SaveParameters(request, answer))))
        {
            await batch.ExecuteNonQueryAsync(ct);
        }

        tx.Committed();
    }

    /// <summary>Deletes the keys stored more than <paramref name="retention"/> ago, in short transactions. Returns how many.</summary>
    public async Task<long> PurgeAsync(TimeSpan retention, CancellationToken ct)
    {
        long purged = 0;
        await using var connection = await db.OpenConnectionAsync(ct);
        while (true)
        {
            await using var command = Sql.Command(connection,
                """
                DELETE FROM idempotency_keys WHERE idempotency_key IN (
                    SELECT idempotency_key FROM idempotency_keys
                    WHERE created_at < now() - make_interval(secs => $1)
                    ORDER BY created_at LIMIT $2)
                """,
                Sql.P(retention.TotalSeconds), Sql.P(PurgeBatch));
            var deleted = await command.ExecuteNonQueryAsync(ct);
            purged += deleted;
            if (deleted < PurgeBatch)
            {
                return purged;
            }
        }
    }

    /// <summary>
    /// The insert of an answer, optionally only when <paramref name="when"/> holds. The claim made sure no live answer
    /// exists, so a conflict can only be an expired record not purged yet: it is replaced.
    /// </summary>
    internal static string SaveSql(string? when) =>
        $"""
        INSERT INTO idempotency_keys AS k (idempotency_key, method, target, fingerprint, status, body, location, created_at)
        SELECT $1, $2, $3, $4, $5, $6, $7, now()
        WHERE {when ?? "true"}
        ON CONFLICT (idempotency_key) DO UPDATE
        SET method = excluded.method, target = excluded.target, fingerprint = excluded.fingerprint, status = excluded.status,
            body = excluded.body, location = excluded.location, created_at = excluded.created_at
        """;

    internal static NpgsqlParameter[] SaveParameters(IdempotentRequest request, IdempotentAnswer answer) =>
    [
        Sql.P(request.Key), Sql.P(request.Method), Sql.P(request.Target), Sql.P(request.Fingerprint()), Sql.P(answer.Status),
        Sql.P(answer.Body), new NpgsqlParameter<string?> { TypedValue = answer.Location, NpgsqlDbType = NpgsqlDbType.Text },
    ];
}
