namespace SweetsStore.Data.Imports;

/// <summary>The database's words for <see cref="ImportKind"/> and <see cref="ImportStatus"/> (checked by the table's constraints).</summary>
internal static class ImportText
{
    public static string Of(ImportKind kind) => kind switch
    {
        ImportKind.Orders => "orders",
        ImportKind.Couriers => "couriers",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown import kind"),
    };

    public static string Of(ImportStatus status) => status switch
    {
        ImportStatus.Queued => "queued",
        ImportStatus.Running => "running",
        ImportStatus.Succeeded => "succeeded",
        ImportStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown import status"),
    };

    public static ImportKind Kind(string text) => text switch
    {
        "orders" => ImportKind.Orders,
        "couriers" => ImportKind.Couriers,
        _ => throw new InvalidOperationException($"unknown import kind in database: {text}"),
    };

    public static ImportStatus Status(string text) => text switch
    {
        "queued" => ImportStatus.Queued,
        "running" => ImportStatus.Running,
        "succeeded" => ImportStatus.Succeeded,
        "failed" => ImportStatus.Failed,
        _ => throw new InvalidOperationException($"unknown import status in database: {text}"),
    };
}
