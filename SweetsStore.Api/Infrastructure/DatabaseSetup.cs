using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;
using SweetsStore.Data;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// The database: its settings, data sources, the schema (migrations, readiness, planner statistics) and Data's
/// services. The data sources (docs/operations.md): the primary's for everything that writes or decides, the point
/// reads' (multiplexed), and, with <c>ConnectionStrings:PostgresReads</c>, one for the reads that may be stale. A
/// connection string may name several hosts (<c>Host=db1,db2</c>): then each source finds the primary among them,
/// or a standby for the stale reads, and follows a promotion without a restart (<see cref="Database"/>).
/// </summary>
public static class DatabaseSetup
{
    private const string StaleReadsKey = "stale-reads";

    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<ConnectionStringOptions>(ConnectionStringOptions.Section);
        services.AddSettings<DatabaseOptions>(DatabaseOptions.Section);
        services.AddSingleton(sp => Database.CreateDataSource(Postgres(sp)));
        services.AddSingleton(sp => new PointReads(Database.CreatePointReadSource(
            Postgres(sp), sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.MultiplexPointReads)));
        services.AddDbContext<StoreDbContext>((sp, o) => o.UseStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddKeyedSingleton<NpgsqlDataSource>(StaleReadsKey, (sp, _) => Database.CreateStaleReadSource(
            sp.GetRequiredService<IOptions<ConnectionStringOptions>>().Value.PostgresReads!));
        services.AddSingleton(sp => new StaleReads(
            string.IsNullOrWhiteSpace(sp.GetRequiredService<IOptions<ConnectionStringOptions>>().Value.PostgresReads)
                ? sp.GetRequiredService<NpgsqlDataSource>()
                : sp.GetRequiredKeyedService<NpgsqlDataSource>(StaleReadsKey)));

        services.AddSingleton<IClock>(SystemClock.Instance);
        services.AddSingleton<CourierService>();
        services.AddSingleton<OrderService>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return new DeliveryService(
                sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IClock>(), options.AssignBatchMax,
                sp.GetRequiredService<ILogger<DeliveryService>>(), options.AssignBatchesInFlight, options.CompleteBatchMax, options.CompleteBatchesInFlight);
        });
        services.AddSingleton<StatsService>();
        services.AddSingleton<PlannerStatistics>();
        services.AddSingleton<ImportStore>();

        services.AddSingleton<SchemaGate>();
        services.AddHostedService<MigrationRunner>();
        services.AddHostedService<StatisticsKeeper>();
        services.AddSingleton<ReadinessLog>();
        services.AddHealthChecks()
            .AddCheck<DatabaseReadyCheck>("database", tags: ["ready"])
            .AddCheck<PrimaryReadyCheck>("primary", tags: ["ready"]);
        return builder;
    }

    private static string Postgres(IServiceProvider services) => services.GetRequiredService<IOptions<ConnectionStringOptions>>().Value.Postgres!;
}
