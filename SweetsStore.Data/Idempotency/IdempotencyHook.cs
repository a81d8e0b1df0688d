using Npgsql;

namespace SweetsStore.Data.Idempotency;

/// <summary>
/// What a service does inside the transaction of its effect for a request sent with an <c>Idempotency-Key</c>
/// (contract 10.1, docs/decisions/0014): claim the key first, store the answer last, commit both with the effect.
/// A service takes one as an optional argument; null means a request without a key, and nothing changes.
/// </summary>
/// <remarks>
/// The claim (<see cref="ClaimCommand"/>) is the transaction's first statement. It takes a transaction-scoped advisory
/// lock on the key without waiting and fails the statement — so the transaction, and no effect happens — when
/// another transaction holds it (SQLSTATE <c>SSI09</c>: that request is still running, or about to find an answer) or
/// when an answer is already stored under the key (<c>SSI00</c>; see <see cref="IdempotencyStore.IsRefusal"/>). The
/// lock is only tried, so it never waits and never joins a cycle with the locks the effect takes after it (a courier
/// row, orders); it lasts until the commit that stores the answer, which is when an answer becomes visible to the next
/// claim.
/// </remarks>
public abstract class IdempotencyHook(IdempotentRequest request)
{
    private IdempotentAnswer? _pending;

    public IdempotentRequest Request { get; } = request;

    /// <summary>The answer stored with the effect, once the transaction that stored it committed; else null.</summary>
    public IdempotentAnswer? Stored { get; private set; }

    /// <summary>The first statement of the effect's transaction (see the remarks of the class).</summary>
    public NpgsqlBatchCommand ClaimCommand() =>
        Sql.BatchCommand(IdempotencyStore.ClaimSql, Sql.P(Request.Key), Sql.P(Request.Retention.TotalSeconds));

    /// <summary>Runs <see cref="ClaimCommand"/> on its own (one round trip), in the caller's open transaction.</summary>
    public async Task ClaimAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, IdempotencyStore.ClaimSql, Sql.P(Request.Key), Sql.P(Request.Retention.TotalSeconds));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The transaction that ran the last save command committed; <paramref name="stored"/>: its row was written.</summary>
    public void Committed(bool stored = true)
    {
        Stored = stored ? _pending : null;
        _pending = null;
    }

    /// <summary>The save as a command: inserts the answer (over an expired record of the key, if one is left).</summary>
    /// <param name="when">
    /// Optional SQL condition (parameters from <c>$8</c> on, given in <paramref name="whenParameters"/>): store only when
    /// it holds at that point of the transaction. Then pass the command's <c>RecordsAffected</c> to <see cref="Committed"/>.
    /// </param>
    protected NpgsqlBatchCommand SaveCommand(IdempotentAnswer answer, string? when, NpgsqlParameter[] whenParameters)
    {
        _pending = answer;
        var command = Sql.BatchCommand(IdempotencyStore.SaveSql(when), IdempotencyStore.SaveParameters(Request, answer));
        foreach (var parameter in whenParameters)
        {
            command.Parameters.Add(parameter);
        }

        return command;
    }
}

/// <summary>A hook whose answer is made from the service's result of type <typeparamref name="T"/> by the API's rendering.</summary>
public sealed class IdempotencyHook<T>(IdempotentRequest request, Func<T, IdempotentAnswer> answer) : IdempotencyHook(request)
{
    /// <summary>Stores the answer to <paramref name="result"/>, as a command for the caller's batch.</summary>
    public NpgsqlBatchCommand SaveCommand(T result, string? when = null, params NpgsqlParameter[] whenParameters) =>
        SaveCommand(answer(result), when, whenParameters);

    /// <summary>Stores the answer to <paramref name="result"/> now (one round trip), in the caller's open transaction.</summary>
    public async Task SaveAsync(NpgsqlConnection connection, T result, CancellationToken ct)
    {
        var save = SaveCommand(result);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { save } };
        await batch.ExecuteNonQueryAsync(ct);
    }
}
