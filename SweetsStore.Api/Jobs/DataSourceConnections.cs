using Hangfire.PostgreSql;
using Npgsql;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// Hangfire.PostgreSql's connections, from the jobs' own data source (<see cref="SweetsStore.Data.Database.CreateJobSource"/>:
/// with several hosts only the primary, as for the API's requests; a small pool; none of the API's type mapping).
/// Not Hangfire.PostgreSql's connection-string factories: those would connect to whichever host answers first, and
/// the storage would describe itself with the host and database.
/// </summary>
internal sealed class DataSourceConnections(NpgsqlDataSource source) : IConnectionFactory
{
    public NpgsqlConnection GetOrCreateConnection() => source.CreateConnection();
}
