using NodaTime;

namespace SweetsStore.Data;

/// <summary>The bundle an assign answers with; no assign time when nothing fits.</summary>
public sealed record AssignOutcome(IReadOnlyList<long> OrderIds, Instant? AssignTime);
