using SweetsStore.Domain;

namespace SweetsStore.Api.Contracts;

/// <summary>What a PATCH asks to change; null members stay as they are.</summary>
public sealed record CourierChanges(CourierType? Type, int[]? Regions, Schedule? WorkingHours);
