using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NodaTime;
using Npgsql;
using SweetsStore.Data;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Infrastructure;

/// <summary>The database: its settings, data sources, the schema (migrations, readiness, planner statistics) and Data's services.</summary>
public static class DatabaseSetup
{
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSettings<ConnectionStringOptions>(ConnectionStringOptions.Section);
        services.AddSettings<DatabaseOptions>(DatabaseOptions.Section);
        services.AddSingleton(sp => Database.CreateDataSource(Postgres(sp)));
        services.AddSingleton(sp => new PointReads(Database.CreatePointReadSource(
            Postgres(sp), sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.MultiplexPointReads)));
        services.AddDbContext<StoreDbContext>((sp, o) => o.UseStore(sp.GetRequiredService<NpgsqlDataSource>()));

        services.AddSingleton<IClock>(SystemClock.Instance);
        services.AddSingleton<CourierService>();
        services.AddSingleton<OrderService>();
        services.AddSingleton<DeliveryService>();
        services.AddSingleton<StatsService>();
        services.AddSingleton<PlannerStatistics>();
        services.AddSingleton<ImportStore>();

        services.AddSingleton<SchemaGate>();
        services.AddHostedService<MigrationRunner>();
        services.AddHostedService<StatisticsKeeper>();
        services.AddSingleton<ReadinessLog>();
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);
        return builder;
    }

    private static string Postgres(IServiceProvider services) => services.GetRequiredService<IOptions<ConnectionStringOptions>>().Value.Postgres!;
}
