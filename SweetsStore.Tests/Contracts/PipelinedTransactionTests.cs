using Npgsql;
using SweetsStore.Data;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Contracts;

/// <summary>BEGIN with the first batch, COMMIT with the last: all or nothing, and the connection stays usable.</summary>
public class PipelinedTransactionTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private const string Insert = "INSERT INTO couriers (courier_id, courier_type, regions, working_hours) VALUES ($1, 'foot', '{1}', '{09:00-18:00}')";

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ACommittingBatchStoresEverythingInOneRoundTrip()
    {
        await using var connection = await OpenAsync();
        await using (var tx = new PipelinedTransaction(connection))
        {
            await using var batch = tx.Batch(commit: true, Command(Insert, 1L), Command(Insert, 2L));
            await batch.ExecuteNonQueryAsync();
            tx.Committed();
        }

        Assert.Equal(2L, await api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
        Assert.False(await InTransactionAsync(connection));
    }

    [Fact]
    public async Task AFailureInTheCommittingBatchLeavesNothingAndTheConnectionUsable()
    {
        await using var connection = await OpenAsync();
        await using (var tx = new PipelinedTransaction(connection))
        {
            await using var batch = tx.Batch(commit: true, Command(Insert, 1L), Command(Insert, 1L)); // the same id twice
            var error = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        }

        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
        Assert.False(await InTransactionAsync(connection)); // rolled back on dispose, not left aborted
    }

    [Fact]
    public async Task DisposedWithoutItsCommitItRollsBack()
    {
        await using var connection = await OpenAsync();
        await using (var tx = new PipelinedTransaction(connection))
        {
            await using var batch = tx.Batch(commit: false, Command(Insert, 1L));
            await batch.ExecuteNonQueryAsync();
            Assert.True(await InTransactionAsync(connection));
        }

        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM couriers"));
        Assert.False(await InTransactionAsync(connection));
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static NpgsqlBatchCommand Command(string sql, long id) =>
        new(sql) { Parameters = { new NpgsqlParameter<long> { TypedValue = id } } };

    // SAVEPOINT works only inside a transaction block (and is undone by the rollback to it).
    private static async Task<bool> InTransactionAsync(NpgsqlConnection connection)
    {
        try
        {
            await using (var savepoint = new NpgsqlCommand("SAVEPOINT probe", connection))
            {
                await savepoint.ExecuteNonQueryAsync();
            }

            await using var release = new NpgsqlCommand("RELEASE SAVEPOINT probe", connection);
            await release.ExecuteNonQueryAsync();
            return true;
        }
        catch (PostgresException e) when (e.SqlState == "25P01")
        {
            return false;
        }
    }
}
