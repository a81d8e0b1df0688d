namespace SweetsStore.Data.Imports;

/// <summary>Where a background import stands (stored as <c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c>).</summary>
public enum ImportStatus
{
    /// <summary>Uploaded; its job has not started a run (or a run was handed back).</summary>
    Queued,

    /// <summary>A run of its job is loading it.</summary>
    Running,

    /// <summary>Every row stored (ended).</summary>
    Succeeded,

    /// <summary>Refused or given up, nothing stored (ended).</summary>
    Failed,
}
