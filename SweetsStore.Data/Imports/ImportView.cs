using NodaTime;

namespace SweetsStore.Data.Imports;

/// <summary>An import as <c>GET /imports/{id}</c> shows it.</summary>
public sealed record ImportView(
    long Id, ImportKind Kind, string Format, ImportStatus Status, long Bytes, long RowsTotal, long RowsDone, long RowsInvalid, int Attempts,
    Instant CreatedAt, Instant? StartedAt, Instant? FinishedAt, string? Error, string? Report);
