namespace SweetsStore.Data;

/// <summary>Where the schema stands, as <see cref="Schema.ProbeAsync"/> found it.</summary>
public enum SchemaStatus
{
    /// <summary>Every migration this build knows is applied and Hangfire's tables are there.</summary>
    Ready,

    /// <summary>Some migrations are not applied (none at all on a new database).</summary>
    MigrationsMissing,

    /// <summary>Migrated, but Hangfire's tables are missing or older than this build's.</summary>
    JobTablesMissing,

    /// <summary>The database did not answer (down, refusing, or slower than the probe's time limit).</summary>
    Unreachable,
}
