namespace SweetsStore.Domain;

/// <summary>A non-empty list of daily windows: a courier's working hours or an order's delivery hours.</summary>
public sealed class Schedule
{
    private string[]? _texts;
    private (int Start, int End)[]? _segments;

    /// <summary>Creates a schedule; throws <see cref="ArgumentException"/> when <paramref name="windows"/> is empty.</summary>
    public Schedule(IReadOnlyList<TimeWindow> windows)
    {
        if (windows.Count == 0)
        {
            throw new ArgumentException("must not be empty", nameof(windows));
        }

        Windows = windows;
    }

    /// <summary>
    /// A schedule read from contract strings, keeping them (the strict format makes them canonical, so nothing
    /// is formatted again). Throws <see cref="ArgumentException"/> when the counts differ.
    /// </summary>
    public Schedule(IReadOnlyList<TimeWindow> windows, string[] texts)
        : this(windows)
    {
        if (texts.Length != windows.Count)
        {
            throw new ArgumentException("one text per window", nameof(texts));
        }

        _texts = texts;
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
    public IReadOnlyList<(int Start, int End)> Segments() => _segments ??= Windows.SelectMany(w => w.Segments()).ToArray();

    /// <summary>The contract strings, in the order given (the same array each time: do not change it).</summary>
    public string[] ToStrings() => _texts ??= Windows.Select(w => w.ToString()).ToArray();
}
