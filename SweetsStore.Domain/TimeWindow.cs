using NodaTime;

namespace SweetsStore.Domain;

/// <summary>
/// A daily window of local time, <c>[Start, End)</c>: Start inclusive, End exclusive. When End is earlier
/// than Start the window crosses midnight (<c>22:00-02:00</c> is 22:00–24:00 plus 00:00–02:00).
/// Start equal to End is not a window. Minute precision, as in the contract's <c>"HH:MM-HH:MM"</c>.
/// </summary>
public readonly record struct TimeWindow
{
    public const int MinutesPerDay = 24 * 60;

    /// <summary>Creates a window; throws <see cref="ArgumentException"/> when the ends are equal or carry seconds.</summary>
    public TimeWindow(LocalTime start, LocalTime end)
    {
        if (start == end)
        {
            throw new ArgumentException("start and end must differ", nameof(end));
        }

        if (start.Second != 0 || start.TickOfSecond != 0)
        {
            throw new ArgumentException("must be a whole minute", nameof(start));
        }

        if (end.Second != 0 || end.TickOfSecond != 0)
        {
            throw new ArgumentException("must be a whole minute", nameof(end));
        }

        Start = start;
        End = end;
    }

    /// <summary>First minute inside the window.</summary>
    public LocalTime Start { get; }

    /// <summary>First minute after the window (exclusive).</summary>
    public LocalTime End { get; }

    /// <summary>True when the window runs past midnight.</summary>
    public bool CrossesMidnight => End < Start;

    private int StartMinute => (Start.Hour * 60) + Start.Minute;

    private int EndMinute => (End.Hour * 60) + End.Minute;

    /// <summary>
    /// Parses the strict contract form <c>"HH:MM-HH:MM"</c> (two digits each, 24-hour clock, no spaces,
    /// no seconds, no <c>24:00</c>, ends different). Returns false with a reason otherwise.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out TimeWindow window, out string? error)
    {
        window = default;
        if (text.Length != 11 || text[5] != '-')
        {
            error = "must be \"HH:MM-HH:MM\"";
            return false;
        }

        if (!TryParseTime(text[..5], out var start) || !TryParseTime(text[6..], out var end))
        {
            error = "must be \"HH:MM-HH:MM\" with hours 00-23 and minutes 00-59";
            return false;
        }

        if (start == end)
        {
            error = "start and end must differ";
            return false;
        }

        window = new TimeWindow(start, end);
        error = null;
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>; for tests and literals.</summary>
    public static TimeWindow Parse(string text) =>
        TryParse(text, out var window, out var error) ? window : throw new FormatException($"{text}: {error}");

    /// <summary>
    /// The window as half-open minute-of-day segments within <c>[0, 1440)</c>: one segment, or two when it
    /// crosses midnight (an end of 00:00 gives no second segment).
    /// </summary>
    public IEnumerable<(int Start, int End)> Segments()
    {
        if (!CrossesMidnight)
        {
            yield return (StartMinute, EndMinute);
            yield break;
        }

        yield return (StartMinute, MinutesPerDay);
        if (EndMinute > 0)
        {
            yield return (0, EndMinute);
        }
    }

    /// <summary>True when the two windows share at least one minute; touching ends do not intersect.</summary>
    public bool Intersects(TimeWindow other)
    {
        foreach (var (aStart, aEnd) in Segments())
        {
            foreach (var (bStart, bEnd) in other.Segments())
            {
                if (aStart < bEnd && bStart < aEnd)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The contract form, <c>"HH:MM-HH:MM"</c>.</summary>
    public override string ToString() => $"{Start.Hour:D2}:{Start.Minute:D2}-{End.Hour:D2}:{End.Minute:D2}";

    private static bool TryParseTime(ReadOnlySpan<char> text, out LocalTime time)
    {
        time = default;
        if (text.Length != 5 || text[2] != ':' || !IsDigit(text[0]) || !IsDigit(text[1]) || !IsDigit(text[3]) || !IsDigit(text[4]))
        {
            return false;
        }

        var hour = ((text[0] - '0') * 10) + (text[1] - '0');
        var minute = ((text[3] - '0') * 10) + (text[4] - '0');
        if (hour > 23 || minute > 59)
        {
            return false;
        }

        time = new LocalTime(hour, minute);
        return true;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';
}
