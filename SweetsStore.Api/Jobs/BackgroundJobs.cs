using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Imports;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Data;
using SweetsStore.Data.Jobs;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// Background work on Hangfire with PostgreSQL storage in our database (docs/decisions/0011): the import jobs, the
/// recurring maintenance, the servers and the dashboard at <c>/hangfire</c>.
/// </summary>
/// <remarks>
/// Everything Hangfire needs is built here for this host and handed over explicitly: storage, filters, activator,
/// client, recurring manager. None of Hangfire's static defaults is set or read (<c>JobStorage.Current</c>,
/// <c>GlobalJobFilters</c>, <c>JobActivator.Current</c>), so several hosts in one process (the tests run one per test
/// class, each on its own database) never enqueue into, or run jobs from, each other's storage. The one static that
/// cannot be avoided, Hangfire's log provider, is a bridge (<see cref="HangfireLogging"/>).
/// </remarks>
public static class BackgroundJobs
{
    /// <summary>The dashboard's path.</summary>
    public const string DashboardPath = "/hangfire";

    public static IHostApplicationBuilder AddBackgroundJobs(this IHostApplicationBuilder builder)
    {
        HangfireLogging.Install();
        var services = builder.Services;
        services.AddSettings<JobOptions>(JobOptions.Section);

        services.AddSingleton<HangfireLogging.Attachment>();
        services.AddSingleton<JobStorage>(sp =>
        {
            sp.GetRequiredService<HangfireLogging.Attachment>();
            var settings = sp.GetRequiredService<IOptions<JobOptions>>().Value;
            return new PostgreSqlStorage(new DataSourceConnections(sp.GetRequiredService<JobDataSource>().Source), StorageOptions(settings));
        });
        services.AddSingleton(sp => new JobDataSource(Database.CreateJobSource(sp.GetRequiredService<IOptions<ConnectionStringOptions>>().Value.Postgres!)));
        services.AddSingleton<ImportJobStates>();
        services.AddSingleton<IJobFilterProvider, JobFilters>();
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton<IBackgroundJobClient>(sp => new BackgroundJobClient(sp.GetRequiredService<JobStorage>(), sp.GetRequiredService<IJobFilterProvider>()));
        services.AddSingleton<IRecurringJobManager>(sp => new RecurringJobManager(sp.GetRequiredService<JobStorage>(), sp.GetRequiredService<IJobFilterProvider>()));
        services.AddSingleton<ImportJob>();
        services.AddSingleton<ImportQueue>();
        services.AddSingleton<Maintenance>();

        // The dashboard's services: its routes, and the marker its middleware checks for. Nothing else of
        // AddHangfire(): that would set the static defaults above.
        services.AddSingleton(DashboardRoutes.Routes);
        services.AddSingleton<IGlobalConfiguration>(GlobalConfiguration.Configuration);
        // The dashboard's buttons (delete, requeue, trigger) are POSTs: antiforgery tokens keep another site from
        // posting them through an operator's browser.
        services.AddAntiforgery();

        services.AddHostedService<JobServer>(); // runs the servers only with Jobs:Enabled

        return builder;
    }

    /// <summary>Hangfire.PostgreSql's settings (docs/decisions/0011 and 0012).</summary>
    internal static PostgreSqlStorageOptions StorageOptions(JobOptions settings) => new()
    {
        SchemaName = JobTables.Schema,
        PrepareSchemaIfNecessary = false, // installed by the migration step, under its lock (HangfireSchema)
        QueuePollInterval = settings.Poll,
        // A fetched job is invisible to other servers while its holder renews it (every fifth of the lease, at most
        // once a second), and for one lease after the last renewal: a job whose holder died, or could not hand it
        // back while the primary was lost, runs elsewhere a lease later (Hangfire.PostgreSql's default: 30 minutes).
        InvisibilityTimeout = settings.Lease,
        UseSlidingInvisibilityTimeout = true,
        // A lock row left by a killed process or a lost primary blocks others this long (Jobs:LockTimeoutSeconds).
        DistributedLockTimeout = settings.LockTimeout,
        // No LISTEN/NOTIFY: it needs a session of its own per waiting worker, which PgBouncer's transaction mode does
        // not keep, and Hangfire.PostgreSql opens it from the connection string, past our data source (its primary
        // target and its password). Jobs enqueued by this process wake its workers at once anyway.
        EnableLongPolling = false,
    };

    /// <summary>The Hangfire dashboard at <c>/hangfire</c>, for operators only (<see cref="DashboardAccess"/>).</summary>
    public static IApplicationBuilder UseBackgroundJobsDashboard(this IApplicationBuilder app) =>
        app.UseHangfireDashboard(DashboardPath, new Hangfire.DashboardOptions
        {
            AppPath = "/dashboard", // its "back to site" link
            DashboardTitle = "SweetsStore jobs",
            Authorization = [],
            AsyncAuthorization = [new DashboardAccess()],
            DisplayStorageConnectionString = false,
        }, app.ApplicationServices.GetRequiredService<JobStorage>());
}
