using NodaTime;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// Strict RFC 3339 timestamps: <c>YYYY-MM-DDTHH:MM:SS</c>, an optional fraction of one or more digits after a
/// <c>.</c>, and <c>Z</c> or <c>±HH:MM</c> (any offset RFC 3339 allows: hours 00–23). Instants carry microsecond
/// precision (the contract's §8, PostgreSQL's): digits past the sixth are dropped, as "now" is truncated (.NET's
/// round-trip format writes seven). Input only: output is NodaTime's (<see cref="InstantJsonConverter"/>).
/// </summary>
public static class Rfc3339
{
    public static bool TryParse(string text, out Instant instant)
    {
        instant = default;
        var s = text.AsSpan();
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!Digits(s[..4], out var year) || !Digits(s[5..7], out var month) || !Digits(s[8..10], out var day)
            || !Digits(s[11..13], out var hour) || !Digits(s[14..16], out var minute) || !Digits(s[17..19], out var second))
        {
            return false;
        }

        var i = 19;
        long microseconds = 0;
        if (s[i] == '.')
        {
            var start = ++i;
            while (i < s.Length && s[i] is >= '0' and <= '9')
            {
                i++;
            }

            var digits = i - start;
            if (digits < 1)
            {
                return false;
            }

            _ = Digits(s[start..Math.Min(i, start + 6)], out var fraction);
            microseconds = fraction;
            for (var pad = digits; pad < 6; pad++)
            {
                microseconds *= 10;
            }
        }

        int offsetMinutes;
        var rest = s[i..];
        if (rest is "Z")
        {
            offsetMinutes = 0;
        }
        else if (rest.Length == 6 && rest[0] is '+' or '-' && rest[3] == ':' && Digits(rest[1..3], out var oh) && Digits(rest[4..6], out var om)
            && oh <= 23 && om <= 59)
        {
            offsetMinutes = (rest[0] == '-' ? -1 : 1) * ((oh * 60) + om);
        }
        else
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > CalendarSystem.Iso.GetDaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var local = new LocalDateTime(year, month, day, hour, minute, second).PlusTicks(microseconds * 10);
        try
        {
            // By hand: NodaTime's Offset stops at ±18:00, RFC 3339's at ±23:59.
            instant = local.InUtc().ToInstant() - Duration.FromMinutes(offsetMinutes);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            // Past NodaTime's range once the offset is applied.
            return false;
        }

        // Years 1 to 9999 in UTC: the four digits every output is written with (NodaTime's ISO pattern), year 0 excluded.
        return instant >= Earliest && instant <= Latest;
    }

    private static readonly Instant Earliest = Instant.FromUtc(1, 1, 1, 0, 0);

    private static readonly Instant Latest = Instant.FromUtc(9999, 12, 31, 23, 59, 59).PlusTicks(9_999_990);

    private static bool Digits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
