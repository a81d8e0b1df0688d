using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>A courier as the API shows it; <see cref="Rating"/> is null until a bundle finished paid.</summary>
public sealed record CourierView(long Id, CourierType Type, IReadOnlyList<int> Regions, IReadOnlyList<string> WorkingHours, long Earnings, decimal? Rating);
