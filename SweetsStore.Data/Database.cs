using Npgsql;

namespace SweetsStore.Data;

public static class Database
{
    /// <summary>
    /// The data source every query goes through. Defaults, unless the connection string says otherwise: fail a
    /// connection attempt after 5 s (a down database answers 503 quickly instead of hanging), a pool of 50,
    /// automatic preparation of repeated statements, and no connection reset between uses. NodaTime types read and
    /// write natively (<c>Instant</c> ↔ <c>timestamptz</c>).
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString) =>
        new NpgsqlDataSourceBuilder(WithDefaults(connectionString, pool: 50, "sweetsstore").ConnectionString).UseNodaTime().Build();

    /// <summary>
    /// The data source of <see cref="PointReads"/>: the same defaults, multiplexed (unless the connection string
    /// says otherwise) over a pool of 8.
    /// </summary>
    public static NpgsqlDataSource CreatePointReadSource(string connectionString, bool multiplexing = true)
    {
        var builder = WithDefaults(connectionString, pool: 8, "sweetsstore-reads");
        if (!Given(connectionString, "Multiplexing"))
        {
            builder.Multiplexing = multiplexing;
        }

        return new NpgsqlDataSourceBuilder(builder.ConnectionString).UseNodaTime().Build();
    }

    // Only keys the operator actually wrote count as set (a substring test would take "Command Timeout" for "Timeout").
    private static bool Given(string connectionString, params string[] keys) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(k => keys.Contains(k.Trim(), StringComparer.OrdinalIgnoreCase));

    private static NpgsqlConnectionStringBuilder WithDefaults(string connectionString, int pool, string application)
    {
        bool Given(params string[] keys) => Database.Given(connectionString, keys);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Given("Timeout", "Connect Timeout", "Connection Timeout"))
        {
            builder.Timeout = 5;
        }

        if (!Given("Maximum Pool Size", "MaxPoolSize"))
        {
            builder.MaxPoolSize = pool;
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
            builder.ApplicationName = application;
        }

        return builder;
    }
}
