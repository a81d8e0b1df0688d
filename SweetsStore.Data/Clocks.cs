using NodaTime;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>Where "now" is read: here, for the transactions that stamp it, never in Domain.</summary>
internal static class Clocks
{
    /// <summary>"Now" from <paramref name="clock"/>, truncated to whole microseconds (PostgreSQL's precision: it reads back equal).</summary>
    public static Instant NowToMicroseconds(this IClock clock) => clock.GetCurrentInstant().TruncateToMicroseconds();
}
