using System.Globalization;
using System.Text.RegularExpressions;
using Hangfire.PostgreSql;
using Npgsql;
using SweetsStore.Data.Jobs;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// Hangfire's tables, in their own schema of our database. Installed by the migration step under its advisory lock
/// (<see cref="Data.Schema.MigrateAsync"/>), so processes starting together install it once; the
/// storage never installs it itself (<c>PrepareSchemaIfNecessary</c> off: it would run on every process's start,
/// outside the lock). Hangfire.PostgreSql's installer applies its numbered scripts up to the newest it ships.
/// </summary>
public static partial class HangfireSchema
{
    /// <summary>The newest schema version the referenced Hangfire.PostgreSql installs (its <c>Install.vN.sql</c> scripts).</summary>
    public static int Version { get; } = typeof(PostgreSqlObjectsInstaller).Assembly.GetManifestResourceNames()
        .Select(n => ScriptName().Match(n))
        .Where(m => m.Success)
        .Max(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    /// <summary>
    /// Brings the schema to <see cref="Version"/> on a connection of its own; the caller holds the migration lock.
    /// Returns the version found before (0: none).
    /// </summary>
    public static async Task<int> InstallAsync(IServiceProvider services, CancellationToken ct)
    {
        services.GetService<HangfireLogging.Attachment>(); // the installer's messages go to this host's log
        await using var connection = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(ct);
        var found = await JobTables.InstalledVersionAsync(connection, ct);
        if (found >= Version)
        {
            return found;
        }

        PostgreSqlObjectsInstaller.Install(connection, JobTables.Schema);
        services.GetService<ILoggerFactory>()?.CreateLogger(typeof(HangfireSchema).FullName!)
            .LogInformation("Hangfire schema '{Schema}' installed: version {From} to {To}", JobTables.Schema, found, Version);
        return found;
    }

    [GeneratedRegex(@"\.Install\.v(\d+)\.sql$")]
    private static partial Regex ScriptName();
}
