using Npgsql;

namespace SweetsStore.Data;

/// <summary>
/// A READ COMMITTED transaction whose BEGIN goes out with its first batch and whose COMMIT with its last, so a
/// transaction of one batch is one round trip. (<see cref="NpgsqlTransaction"/> also sends BEGIN with the first
/// command, but COMMIT on its own: one round trip more.) Disposing it rolls back unless <see cref="Committed"/>
/// said that a committing batch ran to its end.
/// </summary>
internal sealed class PipelinedTransaction(NpgsqlConnection connection) : IAsyncDisposable
{
    private bool _begun;
    private bool _open;

    /// <summary>
    /// A batch of <paramref name="commands"/> in this transaction (the first batch also opens it), ending with COMMIT
    /// when <paramref name="commit"/>. Should one of them
    /// fail, PostgreSQL skips the rest and the transaction stays aborted until <see cref="DisposeAsync"/> rolls it back.
    /// </summary>
    public NpgsqlBatch Batch(bool commit, params NpgsqlBatchCommand[] commands)
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

        if (commit)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        }

        return batch;
    }

    /// <summary>The committing batch was read to its end without an error: the transaction is over.</summary>
    public void Committed() => _open = false;

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
