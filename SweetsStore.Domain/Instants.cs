using NodaTime;

namespace SweetsStore.Domain;

/// <summary>Instants at PostgreSQL's precision.</summary>
public static class Instants
{
    private const long TicksPerMicrosecond = NodaConstants.TicksPerMillisecond / 1000;

    /// <summary>Drops everything below a whole microsecond (towards the past), so a stored instant reads back equal.</summary>
    public static Instant TruncateToMicroseconds(this Instant instant)
    {
        var ticks = instant.ToUnixTimeTicks();
        return Instant.FromUnixTimeTicks(ticks - (((ticks % TicksPerMicrosecond) + TicksPerMicrosecond) % TicksPerMicrosecond));
    }
}
