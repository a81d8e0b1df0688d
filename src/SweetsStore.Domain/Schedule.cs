namespace SweetsStore.Domain;

/// <summary>A non-empty list of daily windows: a courier's working hours or an order's delivery hours.</summary>
public sealed class Schedule
{
    /// <summary>Creates a schedule; throws <see cref="ArgumentException"/> when <paramref name="windows"/> is empty.</summary>
    public Schedule(IReadOnlyList<TimeWindow> windows)
    {
        if (windows.Count == 0)
        {
            throw new ArgumentException("must not be empty", nameof(windows));
        }

        Windows = windows;
    }

    public IReadOnlyList<TimeWindow> Windows { get; }

    /// <summary>Parses contract strings; throws <see cref="FormatException"/> on the first bad one. For tests and literals.</summary>
    public static Schedule Parse(params string[] windows) => new(windows.Select(TimeWindow.Parse).ToArray());

    /// <summary>True when some window of one shares a minute with some window of the other.</summary>
    public bool Intersects(Schedule other)
    {
        foreach (var a in Windows)
        {
            foreach (var b in other.Windows)
            {
                if (a.Intersects(b))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Every window's half-open minute segments (see <see cref="TimeWindow.Segments"/>), unmerged.</summary>
    public IEnumerable<(int Start, int End)> Segments() => Windows.SelectMany(w => w.Segments());

    /// <summary>The contract strings, in the order given.</summary>
    public string[] ToStrings() => Windows.Select(w => w.ToString()).ToArray();
}
