using Microsoft.EntityFrameworkCore;
using Npgsql;
using SweetsStore.Data.Jobs;

namespace SweetsStore.Data;

/// <summary>The schema: its upgrade (EF Core's migrations and Hangfire's tables, one process at a time) and its state.</summary>
public static class Schema
{
    // pg_advisory_xact_lock key held while migrating: "SweetsMg".
    private const long MigrationLock = 0x5377_6565_7473_4D67;

    /// <summary>
    /// Applies <paramref name="context"/>'s pending migrations, then <paramref name="alsoUnderTheLock"/> (Hangfire's
    /// tables), while this process holds the migration lock.
    /// </summary>
    /// <remarks>
    /// EF Core's own migration lock (Npgsql: a table lock per migration's transaction) does not serialise
    /// processes that start together on an empty database: each decides which migrations to apply before it
    /// takes that lock, so two of them applied the same migration and the second failed with 42P07 "relation
    /// already exists" (found by the reliability suite). So the whole migration runs while this process holds
    /// a transaction-scoped advisory lock on a connection of its own: a second process waits, then finds
    /// nothing left to apply. Transaction-scoped, so it also holds behind PgBouncer in transaction mode, and a
    /// process that dies releases it with its connection.
    /// </remarks>
    public static async Task MigrateAsync(
        NpgsqlDataSource db, StoreDbContext context, Func<CancellationToken, Task> alsoUnderTheLock, CancellationToken ct)
    {
        await using var guard = await db.OpenConnectionAsync(ct);
        await using var held = await guard.BeginTransactionAsync(ct);
        await using (var take = Sql.Command(guard, "SELECT pg_advisory_xact_lock($1)", Sql.P(MigrationLock)))
        {
            await take.ExecuteNonQueryAsync(ct);
        }

        await context.Database.MigrateAsync(ct);
        await alsoUnderTheLock(ct);
        await held.CommitAsync(ct); // releases the lock; so does the rollback when anything above throws
    }

    /// <summary>
    /// Whether <paramref name="migrations"/> are all applied and Hangfire's tables are at <paramref name="jobTablesVersion"/>
    /// or later; <see cref="SchemaStatus.Unreachable"/> when the database does not answer before <paramref name="ct"/> fires.
    /// </summary>
    public static async Task<SchemaState> ProbeAsync(
        NpgsqlDataSource db, IReadOnlyCollection<string> migrations, int jobTablesVersion, CancellationToken ct)
    {
        try
        {
            await using var command = db.CreateCommand(
                "SELECT coalesce(array_agg(\"MigrationId\"), '{}') FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = ANY($1)");
            command.Parameters.Add(Sql.P(migrations.ToArray()));
            var applied = (string[])(await command.ExecuteScalarAsync(ct))!;
            var missing = migrations.Except(applied).ToArray();
            if (missing.Length > 0)
            {
                return new SchemaState(SchemaStatus.MigrationsMissing, missing);
            }

            await using var connection = await db.OpenConnectionAsync(ct);
            return await JobTables.InstalledVersionAsync(connection, ct) >= jobTablesVersion
                ? new SchemaState(SchemaStatus.Ready, [])
                : new SchemaState(SchemaStatus.JobTablesMissing, []);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return new SchemaState(SchemaStatus.MigrationsMissing, []);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            return new SchemaState(SchemaStatus.Unreachable, []);
        }
    }
}
