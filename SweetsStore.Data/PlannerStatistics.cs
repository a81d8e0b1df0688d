using Npgsql;

namespace SweetsStore.Data;

/// <summary>
/// Keeps PostgreSQL's statistics of the tables the hot paths read by key in step with their size, so the plans
/// it caches for them stay index scans while a table grows from empty.
/// </summary>
/// <remarks>
/// PostgreSQL keeps a generic plan for a prepared statement — ours, and the foreign-key checks it runs for every
/// written row — until the statistics of a table it reads change. A plan made while <c>bundles</c> held a page
/// is a sequential scan, and it stays one while the table grows to thousands of rows: every order an assign
/// claimed then scanned all bundles for its foreign-key check (PostgreSQL's CPU per assign measured in
/// docs/decisions/0007, "Planner statistics kept in step"). Autovacuum analyzes a table after 50 rows + 10 % have changed, but looks at
/// most once a minute (<c>autovacuum_naptime</c>), so a new or emptied database ran on such plans for a
/// minute or more. This analyzes a table as soon as the rows changed since its last ANALYZE are at least as
/// many as it had then (and at least <c>minChanges</c>): doubling steps, so a table growing from empty is
/// analyzed a few times and a large one never (autovacuum keeps those current).
/// </remarks>
public sealed class PlannerStatistics(NpgsqlDataSource db)
{
    // Only these, each with its fixed statement: nothing from outside goes into an ANALYZE.
    private static readonly Dictionary<string, string> Analyze = new(StringComparer.Ordinal)
    {
        ["orders"] = "ANALYZE orders",
        ["bundles"] = "ANALYZE bundles",
        ["couriers"] = "ANALYZE couriers",
        ["courier_region_stats"] = "ANALYZE courier_region_stats",
    };

    // pg_try_advisory_xact_lock key: one process analyzes a table at a time ("SweetsAn").
    private const long AnalyzeLock = 0x5377_6565_7473_416E;

    /// <summary>The tables whose statistics are out of step: changed rows ≥ max(minChanges, rows at the last ANALYZE).</summary>
    public async Task<string[]> OutOfStepAsync(long minChanges, CancellationToken ct)
    {
        // reltuples is -1 until a table's first ANALYZE; only tables this role may analyze (it owns them).
        await using var command = db.CreateCommand(
            """
            SELECT s.relname::text
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = current_schema() AND s.relname = ANY($1)
              AND s.n_mod_since_analyze >= greatest($2, c.reltuples)
              AND pg_has_role(c.relowner, 'USAGE')
            ORDER BY s.relname
            """);
        command.Parameters.Add(Sql.P(Analyze.Keys.ToArray()));
        command.Parameters.Add(Sql.P((double)minChanges));
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tables.Add(reader.GetString(0));
        }

        return tables.ToArray();
    }

    /// <summary>Analyzes the tables that are out of step; returns those it analyzed (another process may be at it).</summary>
    public async Task<string[]> AnalyzeOutOfStepAsync(long minChanges, CancellationToken ct)
    {
        var analyzed = new List<string>();
        foreach (var table in await OutOfStepAsync(minChanges, ct))
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using (var take = Sql.Command(connection, "SELECT pg_try_advisory_xact_lock($1)", Sql.P(AnalyzeLock)))
            {
                if (!(bool)(await take.ExecuteScalarAsync(ct))!)
                {
                    continue;
                }
            }

            await using (var analyze = Sql.Command(connection, Analyze[table]))
            {
                await analyze.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
            analyzed.Add(table);
        }

        return analyzed.ToArray();
    }
}
