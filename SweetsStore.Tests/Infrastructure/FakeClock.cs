using NodaTime;

namespace SweetsStore.Tests.Infrastructure;

/// <summary>A settable clock (NodaTime.Testing is not obtainable here).</summary>
public sealed class FakeClock(Instant now) : IClock
{
    private readonly object _gate = new();
    private Instant _now = now;

    public Instant Now
    {
        get { lock (_gate) { return _now; } }
        set { lock (_gate) { _now = value; } }
    }

    public Instant GetCurrentInstant() => Now;

    public void Advance(Duration by)
    {
        lock (_gate)
        {
            _now += by;
        }
    }
}
