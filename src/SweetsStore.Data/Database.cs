using Npgsql;

namespace SweetsStore.Data;

public static class Database
{
    /// <summary>
    /// The data source every query goes through. Defaults, unless the connection string says otherwise: fail a
    /// connection attempt after 5 s (a down database answers 503 quickly instead of hanging), a pool of 50,
    /// automatic preparation of repeated statements, and no connection reset between uses.
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

        // Every hot statement is a fixed text run thousands of times: prepare it once per connection (planning
        // is 0.1-0.5 ms of the statements here), and skip the DISCARD ALL on each return to the pool (no
        // session state is ever set). Behind PgBouncer in transaction mode set "Max Auto Prepare=0".
        if (!Given("Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        if (!Given("No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        if (!Given("Application Name", "ApplicationName"))
        {
            builder.ApplicationName = "sweetsstore";
        }

        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }
}
