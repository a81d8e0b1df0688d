using Npgsql;

namespace SweetsStore.Data.Jobs;

/// <summary>
/// Where Hangfire keeps its jobs: its own schema in our database (docs/decisions/0011). Its tables are Hangfire's;
/// we only read them (the job counts of <c>GET /stats</c>, the installed version), never write them.
/// </summary>
public static class JobTables
{
    /// <summary>Hangfire.PostgreSql's schema.</summary>
    public const string Schema = "hangfire";

    /// <summary>The version of Hangfire's tables in <see cref="Schema"/>; 0 when there are none.</summary>
    public static async Task<int> InstalledVersionAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"SELECT CASE WHEN to_regclass('{Schema}.schema') IS NULL THEN 0 END");
        if (await command.ExecuteScalarAsync(ct) is 0)
        {
            return 0;
        }

        await using var version = Sql.Command(connection, $"SELECT coalesce(max(version), 0) FROM {Schema}.schema");
        return (int)(await version.ExecuteScalarAsync(ct))!;
    }
}
