namespace SweetsStore.Domain;

/// <summary>
/// Which open orders a courier edit releases, in the contract's order: orders in a region the courier no
/// longer serves; then orders whose delivery hours no longer intersect the working hours; then, while the
/// open load is over the new capacity, the heaviest remaining orders (of equal weight the newest first).
/// </summary>
public static class ReleasePolicy
{
    public static IReadOnlyList<(OpenOrder Order, ReleaseReason Reason)> Release(
        IReadOnlyCollection<OpenOrder> open, CourierType type, IReadOnlyCollection<int> regions, Schedule workingHours)
    {
        var released = new List<(OpenOrder, ReleaseReason)>();
        var kept = new List<OpenOrder>(open.Count);
        foreach (var order in open)
        {
            if (!regions.Contains(order.Region))
            {
                released.Add((order, ReleaseReason.Region));
            }
            else if (!order.DeliveryHours.Intersects(workingHours))
            {
                released.Add((order, ReleaseReason.Hours));
            }
            else
            {
                kept.Add(order);
            }
        }

        var load = kept.Aggregate(Weight.FromHundredthsOfKg(0), (sum, o) => sum + o.Weight);
        var capacity = type.Capacity();
        foreach (var order in kept.OrderByDescending(o => o.Weight).ThenByDescending(o => o.Age).ThenByDescending(o => o.OrderId))
        {
            if (load <= capacity)
            {
                break;
            }

            released.Add((order, ReleaseReason.Capacity));
            load -= order.Weight;
        }

        return released;
    }
}
