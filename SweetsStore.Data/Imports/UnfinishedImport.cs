namespace SweetsStore.Data.Imports;

/// <summary>An import that has not ended, and the job that should load it.</summary>
public sealed record UnfinishedImport(long Id, string JobId);
