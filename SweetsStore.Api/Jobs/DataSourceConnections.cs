using Hangfire.PostgreSql;
using Npgsql;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// Hangfire.PostgreSql's connections, from a data source of its own (a small pool, its own application name, none of
/// the API's NodaTime type mapping: Hangfire reads its timestamps as <see cref="DateTime"/>). Not derived from
/// Hangfire.PostgreSql's connection-string factories, so the storage describes itself without host or database.
/// </summary>
internal sealed class DataSourceConnections(NpgsqlDataSource source) : IConnectionFactory
{
    public NpgsqlConnection GetOrCreateConnection() => source.CreateConnection();

    /// <summary>
    /// The operator's connection string with a pool of at most 16 (workers, schedulers, keep-alives, dashboard and the
    /// imports' enqueues), named <c>sweetsstore-jobs</c> in <c>pg_stat_activity</c>.
    /// </summary>
    public static NpgsqlDataSource CreateSource(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "sweetsstore-jobs" };
        builder.MaxPoolSize = Math.Min(builder.MaxPoolSize, 16);
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, builder.MaxPoolSize);
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }
}
