using NodaTime;

namespace SweetsStore.Data.Entities;

/// <summary>A bulk import taken by <c>POST /imports/{kind}</c> and loaded by a Hangfire job.</summary>
public sealed class Import
{
    public long ImportId { get; set; }

    /// <summary>Stored as <c>orders</c> or <c>couriers</c>.</summary>
    public Imports.ImportKind Kind { get; set; }

    /// <summary><c>json</c> (<c>{"data": [...]}</c>) or <c>ndjson</c> (one object per line).</summary>
    public string Format { get; set; } = "";

    /// <summary>Stored as <c>queued</c>, <c>running</c>, <c>succeeded</c> or <c>failed</c>.</summary>
    public Imports.ImportStatus Status { get; set; }

    public long Bytes { get; set; }

    public long RowsTotal { get; set; }

    public long RowsDone { get; set; }

    /// <summary>Elements found invalid so far (the report keeps the first ones).</summary>
    public long RowsInvalid { get; set; }

    public int Attempts { get; set; }

    public Instant CreatedAt { get; set; }

    public Instant? StartedAt { get; set; }

    public Instant? FinishedAt { get; set; }

    /// <summary>Why it failed, in a sentence.</summary>
    public string? Error { get; set; }

    /// <summary>The validation report, in the synchronous import's <c>validation_error</c> shape.</summary>
    public string? Report { get; set; }

    /// <summary>The Hangfire job that loads it; null between the upload's commit and the enqueue (docs/decisions/0011).</summary>
    public string? JobId { get; set; }

    /// <summary>
    /// The token of the run that last started loading it. A run stores its rows and ends the import only while this
    /// is still its own token, in the same transaction: a duplicate or late run of the same import changes nothing.
    /// </summary>
    public Guid? RunToken { get; set; }
}
