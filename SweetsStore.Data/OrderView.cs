using NodaTime;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>An order with its delivery state.</summary>
public sealed record OrderView(
    long Id, Weight Weight, int Region, IReadOnlyList<string> DeliveryHours, long? CourierId, Instant? AssignTime, Instant? CompleteTime)
{
    public OrderStatus Status => CompleteTime is not null ? OrderStatus.Completed : CourierId is not null ? OrderStatus.Assigned : OrderStatus.Pending;
}
