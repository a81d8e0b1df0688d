using Npgsql;

namespace SweetsStore.Data;

/// <summary>
/// Reads of one row by key for the GET endpoints (a courier with its rating, an order), through a data source of
/// their own that multiplexes (<see cref="Database.CreatePointReadSource"/>): the queries of concurrent requests
/// share a few connections and travel together, so PostgreSQL wakes once for several of them instead of once
/// each (what that saves per request: docs/decisions/0007, "Point reads through a multiplexed data source").
/// </summary>
/// <remarks>
/// Only short statements that read by key belong here. On a multiplexed connection a slow query holds up the
/// ones queued behind it, so pages of lists, period reports, counts and everything in a transaction use the
/// ordinary data source.
/// </remarks>
public sealed class PointReads(NpgsqlDataSource source) : IAsyncDisposable
{
    public NpgsqlCommand CreateCommand(string sql) => source.CreateCommand(sql);

    public ValueTask DisposeAsync() => source.DisposeAsync();
}
