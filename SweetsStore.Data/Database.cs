using System.Net.Sockets;
using Npgsql;

namespace SweetsStore.Data;

public static class Database
{
    /// <summary>
    /// The data source every query goes through. Defaults, unless the connection string says otherwise: fail a
    /// connection attempt after 5 s (a down database answers 503 quickly instead of hanging), a pool of 50,
    /// automatic preparation of repeated statements, and no connection reset between uses. NodaTime types read and
    /// write natively (<c>Instant</c> ↔ <c>timestamptz</c>) on every source but the jobs'. With several hosts
    /// (<c>Host=a,b</c> or <c>Host=a:5432,b:5433</c>) it connects only to the primary among them and follows a
    /// promotion: see <see cref="FollowPrimary"/>.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString) =>
        Build(WithDefaults(connectionString, pool: 50, "sweetsstore", TargetSessionAttributes.Primary));

    /// <summary>
    /// The data source of <see cref="PointReads"/>: the same defaults (the primary, with several hosts), multiplexed
    /// (unless the connection string says otherwise) over a pool of 8. Npgsql cannot multiplex over several hosts,
    /// so with several it does not.
    /// </summary>
    public static NpgsqlDataSource CreatePointReadSource(string connectionString, bool multiplexing = true)
    {
        var builder = WithDefaults(connectionString, pool: 8, "sweetsstore-reads", TargetSessionAttributes.Primary);
        if (!Given(connectionString, "Multiplexing"))
        {
            builder.Multiplexing = multiplexing && !IsMultiHost(builder);
        }

        return Build(builder);
    }

    /// <summary>
    /// The data source of <see cref="StaleReads"/> (<c>ConnectionStrings:PostgresReads</c>): the same defaults over a
    /// pool of 20 and, with several hosts, a standby when one is up, else the primary
    /// (<c>Target Session Attributes=prefer-standby</c> unless the connection string says otherwise).
    /// </summary>
    public static NpgsqlDataSource CreateStaleReadSource(string connectionString) =>
        Build(WithDefaults(connectionString, pool: 20, "sweetsstore-stale-reads", TargetSessionAttributes.PreferStandby));

    /// <summary>
    /// The data source of the background jobs' engine (Hangfire's storage, docs/decisions/0011): the same defaults as
    /// <see cref="CreateDataSource"/>, so with several hosts it reaches only the primary and follows a promotion
    /// (Hangfire writes at every step: on a standby each would fail with 25006, and after a failover and a rejoin the
    /// first host listed is one), over a pool of its own of at most 16 named <c>sweetsstore-jobs</c>. Built here
    /// without any type plugin: Hangfire reads its timestamps as <see cref="DateTime"/>.
    /// </summary>
    public static NpgsqlDataSource CreateJobSource(string connectionString)
    {
        var builder = WithDefaults(connectionString, pool: 16, "sweetsstore-jobs", TargetSessionAttributes.Primary);
        builder.MaxPoolSize = Math.Min(builder.MaxPoolSize, 16);
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, builder.MaxPoolSize);
        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    /// <summary>
    /// The database cannot serve this request now, but may shortly: it is down or restarting, refuses connections,
    /// is a standby (read-only) or is being replaced by one, no host of the list is the primary, the schema is not
    /// migrated yet. The API answers such failures 503 with <c>Retry-After</c>. Every entry was seen, not guessed:
    /// in the reliability suite's crash, outage and failover scenarios (reliability/README.md) or, for a write
    /// reaching a standby, in StandbyTests.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException p => p.SqlState is PostgresErrorCodes.UndefinedTable // migrations not applied yet
            or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.QueryCanceled
            // A write reached a standby: a single-host connection string naming one, or a primary demoted
            // under an open connection.
            or PostgresErrorCodes.ReadOnlySqlTransaction,
        // Npgsql's multi-host data source: "No suitable host was found." (no primary among the hosts: the
        // moments between a primary's loss and a standby's promotion) or "Unable to connect to a suitable host"
        // (every host refused; the reasons are inside).
        NpgsqlException { InnerException: null } n when n.Message.StartsWith("No suitable host", StringComparison.Ordinal) => true,
        NpgsqlException { InnerException: AggregateException all } => all.InnerExceptions.All(IsUnavailable),
        NpgsqlException n => n.IsTransient || n.InnerException is SocketException or TimeoutException or IOException,
        TimeoutException or SocketException => true,
        InvalidOperationException i when i.Message.Contains("connection pool", StringComparison.OrdinalIgnoreCase) => true,
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };

    /// <summary>True when the server behind <paramref name="db"/> is a standby (in recovery: it refuses writes).</summary>
    public static async Task<bool> IsStandbyAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand("SELECT pg_is_in_recovery()");
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static NpgsqlDataSource Build(NpgsqlConnectionStringBuilder builder) =>
        new NpgsqlDataSourceBuilder(builder.ConnectionString).UseNodaTime().Build();

    private static bool IsMultiHost(NpgsqlConnectionStringBuilder builder) => builder.Host?.Contains(',') == true;

    // Only keys the operator actually wrote count as set (a substring test would take "Command Timeout" for "Timeout").
    private static bool Given(string connectionString, params string[] keys) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(k => keys.Contains(k.Trim(), StringComparer.OrdinalIgnoreCase));

    private static NpgsqlConnectionStringBuilder WithDefaults(string connectionString, int pool, string application, TargetSessionAttributes target)
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
        // costs: docs/decisions/0007, "Smaller things"), and skip the DISCARD ALL on each return to the pool (no
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

        if (IsMultiHost(builder))
        {
            FollowPrimary(builder, target, Given);
        }

        return builder;
    }

    /// <summary>
    /// Several hosts: Npgsql keeps a pool per host and remembers what each host is (primary, standby, down) for
    /// <c>Host Recheck Seconds</c>. Without a target it would take any host, so a write could land on a standby:
    /// the data source names its target (the primary; stale reads prefer a standby) unless the connection string
    /// does. The recheck goes from Npgsql's 10 s to 2 s: after a primary is lost, a standby promoted in its place
    /// is recognised within 2 s instead of 10 (measured in docs/operations.md; the price is one short query per host
    /// every 2 s, on an idle connection). A broken connection already marks its host down and empties that host's pool, so the
    /// dead primary's other pooled connections are not tried one by one.
    /// </summary>
    private static void FollowPrimary(NpgsqlConnectionStringBuilder builder, TargetSessionAttributes target, Func<string[], bool> given)
    {
        if (!given(["Target Session Attributes", "TargetSessionAttributes"]))
        {
            builder.TargetSessionAttributes = target switch
            {
                TargetSessionAttributes.Primary => "primary",
                TargetSessionAttributes.PreferStandby => "prefer-standby",
                _ => throw new ArgumentOutOfRangeException(nameof(target), target, "not a target of ours"),
            };
        }

        if (!given(["Host Recheck Seconds", "HostRecheckSeconds"]))
        {
            builder.HostRecheckSeconds = 2;
        }
    }
}
