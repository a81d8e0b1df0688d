using System.Text.Json.Serialization;
using SweetsStore.Data;

namespace SweetsStore.Api.Contracts;

public sealed record IdItem(long Id);

public sealed record CouriersCreated(IReadOnlyList<IdItem> Couriers);

public sealed record OrdersCreated(IReadOnlyList<IdItem> Orders);

/// <summary>A courier without rating and earnings (the answer to PATCH).</summary>
public sealed record CourierResponse(long CourierId, string CourierType, IReadOnlyList<int> Regions, IReadOnlyList<string> WorkingHours)
{
    public static CourierResponse From(CourierView c) => new(c.Id, Domain.CourierTypes.ToContractName(c.Type), c.Regions, c.WorkingHours);
}

/// <summary>A courier with earnings, and rating once a bundle finished paid.</summary>
public sealed record CourierDetailsResponse(
    long CourierId,
    string CourierType,
    IReadOnlyList<int> Regions,
    IReadOnlyList<string> WorkingHours,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? Rating,
    long Earnings)
{
    public static CourierDetailsResponse From(CourierView c) =>
        new(c.Id, Domain.CourierTypes.ToContractName(c.Type), c.Regions, c.WorkingHours, c.Rating, c.Earnings);
}

public sealed record AssignResponse(
    IReadOnlyList<IdItem> Orders,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] NodaTime.Instant? AssignTime);

public sealed record CompleteResponse(long OrderId);

public sealed record OrderResponse(
    long OrderId,
    decimal Weight,
    int Region,
    IReadOnlyList<string> DeliveryHours,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CourierId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] NodaTime.Instant? AssignTime,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] NodaTime.Instant? CompleteTime)
{
    public static OrderResponse From(OrderView o) =>
        new(o.Id, o.Weight.Kilograms, o.Region, o.DeliveryHours, o.Status.ToContractName(), o.CourierId, o.AssignTime, o.CompleteTime);
}

/// <summary>A page of couriers by id; <c>next_offset</c> is null on the last page.</summary>
public sealed record CourierPage(IReadOnlyList<CourierDetailsResponse> Couriers, int Offset, int Limit, int? NextOffset);

public sealed record OrderPage(IReadOnlyList<OrderResponse> Orders, int Offset, int Limit, int? NextOffset);

/// <summary>A bulk import: where it stands, how far it got, and why it failed.</summary>
public sealed record ImportResponse(
    long ImportId,
    string Kind,
    string Format,
    string Status,
    long RowsTotal,
    long RowsDone,
    long RowsInvalid,
    double Progress,
    long Bytes,
    int Attempts,
    NodaTime.Instant CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] NodaTime.Instant? StartedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] NodaTime.Instant? FinishedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DurationSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] System.Text.Json.JsonElement? Report,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ReportTruncated)
{
    public static ImportResponse From(Data.Imports.ImportView i)
    {
        var report = i.Report is null ? (System.Text.Json.JsonElement?)null : System.Text.Json.JsonDocument.Parse(i.Report).RootElement.Clone();
        return From(i, report, report is { } r ? Listed(r, i.Kind.ToContractName()) < i.RowsInvalid : null);
    }

    // The report lists at most a thousand bad elements; rows_invalid counts them all.
    private static int Listed(System.Text.Json.JsonElement report, string kind) =>
        report.TryGetProperty("validation_error", out var error) && error.TryGetProperty(kind, out var list)
            && list.ValueKind == System.Text.Json.JsonValueKind.Array
            ? list.GetArrayLength()
            : 0;

    private static ImportResponse From(Data.Imports.ImportView i, System.Text.Json.JsonElement? report, bool? truncated) => new(
        i.Id, i.Kind.ToContractName(), i.Format, i.Status.ToContractName(), i.RowsTotal, i.RowsDone, i.RowsInvalid,
        i.Status == Data.Imports.ImportStatus.Succeeded ? 1 : i.RowsTotal == 0 ? 0 : Math.Round((double)i.RowsDone / i.RowsTotal, 4),
        i.Bytes, i.Attempts, i.CreatedAt, i.StartedAt, i.FinishedAt,
        i.StartedAt is { } s && i.FinishedAt is { } f ? Math.Round((f - s).TotalSeconds, 3) : null,
        i.Error,
        report,
        truncated);
}

public sealed record ImportPage(IReadOnlyList<ImportResponse> Imports, int Offset, int Limit, int? NextOffset);

/// <summary>Exact counts for the operator dashboard, all read in one snapshot.</summary>
public sealed record StatsResponse(long Couriers, OrderCounts Orders, BundleCounts Bundles, ImportCounts Imports, JobCounts Jobs)
{
    public static StatsResponse From(StatsView s) => new(
        s.Couriers,
        new OrderCounts(s.OrdersPending, s.OrdersAssigned, s.OrdersCompleted),
        new BundleCounts(s.BundlesOpen, s.BundlesFinished),
        new ImportCounts(s.ImportsQueued, s.ImportsRunning, s.ImportsSucceeded, s.ImportsFailed),
        new JobCounts(s.JobsEnqueued, s.JobsProcessing, s.JobsSucceeded, s.JobsFailed));
}

/// <summary>Orders by status: pending (in the pool), assigned (in an open bundle, not delivered), completed.</summary>
public sealed record OrderCounts(long Pending, long Assigned, long Completed);

public sealed record BundleCounts(long Open, long Finished);

public sealed record ImportCounts(long Queued, long Running, long Succeeded, long Failed);

/// <summary>Background jobs by state; <c>enqueued</c> includes jobs waiting out a retry backoff.</summary>
public sealed record JobCounts(long Enqueued, long Processing, long Succeeded, long Failed);

/// <summary>The body of every error except a 400 (which is the <c>validation_error</c> envelope).</summary>
public sealed record ErrorResponse(string Title, int Status, string Detail, string TraceId);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CouriersCreated))]
[JsonSerializable(typeof(OrdersCreated))]
[JsonSerializable(typeof(CourierResponse))]
[JsonSerializable(typeof(CourierDetailsResponse))]
[JsonSerializable(typeof(AssignResponse))]
[JsonSerializable(typeof(CompleteResponse))]
[JsonSerializable(typeof(OrderResponse))]
[JsonSerializable(typeof(CourierPage))]
[JsonSerializable(typeof(OrderPage))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(ImportResponse))]
[JsonSerializable(typeof(ImportPage))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(AssignmentPreviewResponse))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
