namespace SweetsStore.Data;

/// <summary>The schema's state; <see cref="MissingMigrations"/> names them when known (empty: none applied, or not asked).</summary>
public sealed record SchemaState(SchemaStatus Status, IReadOnlyList<string> MissingMigrations);
