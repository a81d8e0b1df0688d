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
        // Only keys the operator actually wrote count as set (a substring test would take "Command Timeout" for "Timeout").
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Given(params string[] keys) => given.Keys.Cast<string>().Any(k => keys.Contains(k.Trim(), StringComparer.OrdinalIgnoreCase));

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Given("Timeout", "Connect Timeout", "Connection Timeout"))
        {
            builder.Timeout = 5;
        }

        if (!Given("Maximum Pool Size", "MaxPoolSize"))
        {
            builder.MaxPoolSize = 50;
        }

        if (!Given("Application Name", "ApplicationName"))
        {
            builder.ApplicationName = "sweetsstore";
        }

        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }
}
