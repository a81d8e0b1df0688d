using Npgsql;

namespace SweetsStore.Data;

public static class Database
{
    /// <summary>
    /// The data source every query goes through. Defaults, unless the connection string says otherwise: fail a
    /// connection attempt after 5 s (a down database answers 503 quickly instead of hanging), pool sized for two
    /// cores, and no retries of a dead connection left in the pool.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
        {
            builder.Timeout = 5;
        }

        if (!connectionString.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase))
        {
            builder.MaxPoolSize = 50;
        }

        builder.ApplicationName ??= "sweetsstore";
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }
}
