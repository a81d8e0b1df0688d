namespace SweetsStore.Data.Imports;

/// <summary>
/// One run of an import's job, started by <see cref="ImportStore.StartAsync"/>: what to load, and the token that fences
/// the run (only the run holding the import's current token may end it).
/// </summary>
public sealed record ImportRun(long Id, ImportKind Kind, string Format, Guid Token);
