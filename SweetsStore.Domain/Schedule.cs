namespace SweetsStore.Domain;

/// <summary>
/// A list of daily windows: a courier's working hours or an order's delivery hours. It may be empty (the original
/// task's own example has a courier with <c>"working_hours": []</c>): an empty schedule intersects nothing, so a
/// courier without working hours is handed nothing and an order without delivery hours is never assigned.
/// </summary>
public sealed class Schedule
{
    /// <summary>The schedule with no windows.</summary>
    public static readonly Schedule Empty = new([], []);

    private string[]? _texts;
    private (int Start, int End)[]? _segments;

    /// <summary>Creates a schedule of <paramref name="windows"/> (possibly none), kept in the order given.</summary>
    public Schedule(IReadOnlyList<TimeWindow> windows) => Windows = windows;

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

    /// <summary>True when the schedule has no windows (it then intersects nothing).</summary>
    public bool IsEmpty => Windows.Count == 0;

    /// <summary>Parses contract strings; throws <see cref="FormatException"/> on the first bad one. For tests and literals.</summary>
    public static Schedule Parse(params string[] windows) => new(windows.Select(TimeWindow.Parse).ToArray());

    /// <summary>True when some window of one shares a minute with some window of the other (never when either is empty).</summary>
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

    /// <summary>Every window's half-open minute segments (see <see cref="TimeWindow.Segments"/>), unmerged; none when empty.</summary>
    public IReadOnlyList<(int Start, int End)> Segments() => _segments ??= Windows.SelectMany(w => w.Segments()).ToArray();

    /// <summary>The contract strings, in the order given (the same array each time: do not change it).</summary>
    public string[] ToStrings() => _texts ??= Windows.Select(w => w.ToString()).ToArray();
}
