using Npgsql;

namespace SweetsStore.Data;

/// <summary>
/// Where reads that may be a little behind go: the pages of <c>GET /couriers</c> and <c>GET /orders</c> and the
/// dashboard's counts (<c>GET /stats</c>). With <c>ConnectionStrings:PostgresReads</c> set, that is a data source
/// of their own (<see cref="Database.CreateStaleReadSource"/>: a standby when one is up); otherwise the primary's.
/// </summary>
/// <remarks>
/// Nothing that decides reads here: assign, complete, PATCH and imports read on the primary in their own
/// transactions, and so do the point reads a client makes after its own write (<c>GET /couriers/{id}</c>,
/// <c>GET /orders/{id}</c>): a standby may not have replayed that write yet.
/// </remarks>
public sealed class StaleReads(NpgsqlDataSource source)
{
    public NpgsqlCommand CreateCommand(string sql) => source.CreateCommand(sql);
}
