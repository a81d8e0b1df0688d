using Npgsql;

namespace SweetsStore.Data;

/// <summary>
/// A READ COMMITTED transaction whose BEGIN goes out with its first batch and whose COMMIT with its last, so a
/// transaction of two batches is two round trips. (<see cref="NpgsqlTransaction"/> also sends BEGIN with the
/// first command, but COMMIT on its own: one round trip more, which for a complete was a third of them.)
/// Disposing it before <see cref="CommitWithAsync"/> succeeded rolls back.
/// </summary>
internal sealed class PipelinedTransaction(NpgsqlConnection connection) : IAsyncDisposable
{
    private bool _begun;
    private bool _open;

    /// <summary>A batch of <paramref name="commands"/> in this transaction; the first one opens it.</summary>
    public NpgsqlBatch Batch(params NpgsqlBatchCommand[] commands)
    {
        var batch = new NpgsqlBatch(connection);
        if (!_begun)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN ISOLATION LEVEL READ COMMITTED"));
            _begun = _open = true;
        }

        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    /// <summary>
    /// Runs <paramref name="commands"/> and COMMIT in one batch. Should one of them fail, PostgreSQL skips the rest
    /// and the transaction stays aborted until <see cref="DisposeAsync"/> rolls it back.
    /// </summary>
    public async Task CommitWithAsync(IEnumerable<NpgsqlBatchCommand> commands, CancellationToken ct)
    {
        await using var batch = Batch([.. commands, new NpgsqlBatchCommand("COMMIT")]);
        await batch.ExecuteNonQueryAsync(ct);
        _open = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_open)
        {
            return;
        }

        _open = false;
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection broke (or is busy with a cancelled command): Npgsql discards it, and PostgreSQL
            // rolls back a transaction whose connection is gone.
        }
    }
}
