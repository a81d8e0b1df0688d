using NodaTime;

namespace SweetsStore.Data;

/// <summary>A half-open period <c>[From, To)</c>: From inclusive, To exclusive.</summary>
public readonly record struct Period(Instant From, Instant To);
