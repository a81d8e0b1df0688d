using Npgsql;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>Delivery tests that hold rows locked from a connection of their own, as another transaction would.</summary>
public abstract class LockingDeliveryTest(ApiFactory api) : DeliveryTest(api)
{
    private protected async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(Api.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private protected static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Courier <paramref name="courierId"/>'s row locked in an open transaction until released (or disposed).</summary>
    private protected async Task<Hold> HoldAsync(long courierId)
    {
        var connection = await OpenAsync();
        await ExecuteAsync(connection, $"BEGIN; SELECT 1 FROM couriers WHERE courier_id = {courierId} FOR UPDATE");
        return new Hold(connection);
    }

    private protected static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(60); // ends as soon as the condition holds; 60 s as the suite's other waits
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting");
            await Task.Delay(20);
        }
    }

    private protected sealed class Hold(NpgsqlConnection connection) : IAsyncDisposable
    {
        private bool _released;

        public async Task ReleaseAsync()
        {
            if (!_released)
            {
                _released = true;
                await ExecuteAsync(connection, "COMMIT");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await ReleaseAsync();
            await connection.DisposeAsync();
        }
    }
}
