namespace SweetsStore.Domain;

/// <summary>An order of a courier's open bundle that is assigned and not yet delivered.</summary>
public sealed record OpenOrder(long OrderId, Weight Weight, int Region, Schedule DeliveryHours, long Age);
