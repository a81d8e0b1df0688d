using Npgsql;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>
/// Rows streamed into a table with binary COPY on the caller's open transaction: the fastest way into
/// PostgreSQL. Disposing without <see cref="CompleteAsync"/> cancels the COPY (and so the rows).
/// </summary>
public sealed class BulkCopy<T> : IAsyncDisposable
{
    private readonly NpgsqlBinaryImporter _importer;
    private readonly Func<NpgsqlBinaryImporter, T, CancellationToken, Task> _write;

    private BulkCopy(NpgsqlBinaryImporter importer, Func<NpgsqlBinaryImporter, T, CancellationToken, Task> write)
    {
        _importer = importer;
        _write = write;
    }

    public long Rows { get; private set; }

    public async Task WriteAsync(T row, CancellationToken ct)
    {
        await _importer.StartRowAsync(ct);
        await _write(_importer, row, ct);
        Rows++;
    }

    public async Task CompleteAsync(CancellationToken ct) => await _importer.CompleteAsync(ct);

    public ValueTask DisposeAsync() => _importer.DisposeAsync();

    internal static async Task<BulkCopy<T>> BeginAsync(
        NpgsqlConnection connection, string copy, Func<NpgsqlBinaryImporter, T, CancellationToken, Task> write, CancellationToken ct) =>
        new(await connection.BeginBinaryImportAsync(copy, ct), write);
}

public static class BulkCopy
{
    public static Task<BulkCopy<NewOrder>> OrdersAsync(NpgsqlConnection connection, CancellationToken ct) =>
        BulkCopy<NewOrder>.BeginAsync(connection,
            "COPY orders (order_id, weight_cg, region, delivery_hours, delivery) FROM STDIN (FORMAT BINARY)",
            static async (copy, order, ct) =>
            {
                await copy.WriteAsync(order.Id, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(order.Weight.Centigrams, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(order.Region, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(order.DeliveryHours.ToStrings(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(Sql.Multirange(order.DeliveryHours), NpgsqlDbType.IntegerMultirange, ct);
            },
            ct);

    public static Task<BulkCopy<NewCourier>> CouriersAsync(NpgsqlConnection connection, CancellationToken ct) =>
        BulkCopy<NewCourier>.BeginAsync(connection,
            "COPY couriers (courier_id, courier_type, regions, working_hours) FROM STDIN (FORMAT BINARY)",
            static async (copy, courier, ct) =>
            {
                await copy.WriteAsync(courier.Id, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(courier.Type.ToContractName(), NpgsqlDbType.Text, ct);
                await copy.WriteAsync(courier.Regions as int[] ?? courier.Regions.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(courier.WorkingHours.ToStrings(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
            },
            ct);

    /// <summary>Which of <paramref name="ids"/> already exist in <c>orders</c> or <c>couriers</c>, ascending (looked up in slices).</summary>
    public static async Task<IReadOnlyList<long>> ExistingAsync(NpgsqlConnection connection, string table, IReadOnlyList<long> ids, CancellationToken ct)
    {
        var column = table switch
        {
            "orders" => "order_id",
            "couriers" => "courier_id",
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, "orders or couriers"),
        };
        var existing = new List<long>();
        const int Slice = 50_000;
        for (var start = 0; start < ids.Count; start += Slice)
        {
            var slice = ids.Skip(start).Take(Slice).ToArray();
            await using var command = Sql.Command(connection, $"SELECT {column} FROM {table} WHERE {column} = ANY($1)", Sql.P(slice));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                existing.Add(reader.GetInt64(0));
            }
        }

        existing.Sort();
        return existing;
    }
}
