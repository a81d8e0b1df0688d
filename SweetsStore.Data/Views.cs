using NodaTime;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>A courier as the API shows it; <see cref="Rating"/> is null until a bundle finished paid.</summary>
public sealed record CourierView(long Id, CourierType Type, IReadOnlyList<int> Regions, IReadOnlyList<string> WorkingHours, long Earnings, decimal? Rating);

/// <summary>The bundle an assign answers with; no assign time when nothing fits.</summary>
public sealed record AssignOutcome(IReadOnlyList<long> OrderIds, Instant? AssignTime);

/// <summary>An order with its delivery state.</summary>
public sealed record OrderView(
    long Id, Weight Weight, int Region, IReadOnlyList<string> DeliveryHours, long? CourierId, Instant? AssignTime, Instant? CompleteTime)
{
    public OrderStatus Status => CompleteTime is not null ? OrderStatus.Completed : CourierId is not null ? OrderStatus.Assigned : OrderStatus.Pending;
}

/// <summary>A half-open period <c>[From, To)</c>: From inclusive, To exclusive.</summary>
public readonly record struct Period(Instant From, Instant To);
