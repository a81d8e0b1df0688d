using System.Globalization;
using System.Text.RegularExpressions;
using Hangfire.PostgreSql;
using Npgsql;
using SweetsStore.Data.Jobs;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// Hangfire's tables, in their own schema of our database. Installed by the migration step under its advisory lock
/// (<see cref="Infrastructure.MigrationRunner.MigrateAsync"/>), so processes starting together install it once; the
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
        var found = await InstalledVersionAsync(connection, ct);
        if (found >= Version)
        {
            return found;
        }

        PostgreSqlObjectsInstaller.Install(connection, JobTables.Schema);
        services.GetService<ILoggerFactory>()?.CreateLogger(typeof(HangfireSchema).FullName!)
            .LogInformation("Hangfire schema '{Schema}' installed: version {From} to {To}", JobTables.Schema, found, Version);
        return found;
    }

    /// <summary>The installed schema version; 0 when there is none.</summary>
    public static async Task<int> InstalledVersionAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT CASE WHEN to_regclass('{JobTables.Schema}.schema') IS NULL THEN 0 END", connection);
        if (await command.ExecuteScalarAsync(ct) is 0)
        {
            return 0;
        }

        await using var version = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {JobTables.Schema}.schema", connection);
        return (int)(await version.ExecuteScalarAsync(ct))!;
    }

    [GeneratedRegex(@"\.Install\.v(\d+)\.sql$")]
    private static partial Regex ScriptName();
}
