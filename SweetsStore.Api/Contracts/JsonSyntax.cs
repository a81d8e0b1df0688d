using System.Globalization;
using System.Text.Json;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// Says why and where a body System.Text.Json refused is not valid JSON, in the contract's words:
/// <c>is not valid JSON: expected ',' or '}' after a property value (line 1, byte 27)</c>.
/// </summary>
/// <remarks>
/// System.Text.Json's own messages name its options ("not supported in this mode. Change the reader options"),
/// do not know whether a value sat in an object or an array ("Expected either ',', '}', or ']'"), count lines from
/// 0, and are not ours to keep stable. So after the reader has refused a body, this walks the JSON grammar once
/// more from the last point the reader accepted and names the first thing that breaks it. It runs only on the
/// failure path; the reader stays the judge of what is valid (a test checks that the two agree).
/// Line: 1-based, counted by <c>\n</c>. Byte: how many bytes of that line come before the point of the error
/// (0 at the line's start), counting the body's bytes as sent — a UTF-8 character may take several.
/// </remarks>
internal static class JsonSyntax
{
    public const string NotJson = "is not valid JSON";

    /// <summary>The kind of an open container, outermost first.</summary>
    public enum Container : byte
    {
        Object,
        Array,
    }

    private enum Expect : byte
    {
        Value,
        ValueOrEndArray,
        ValueAfterComma,
        NameOrEndObject,
        Name,
        AfterValue,
    }

    private const string ExpectedValue = "expected a value: an object, an array, a string in double quotes, a number, true, false or null";

    /// <summary>
    /// The contract message for a whole document the reader refused: <paramref name="noun"/> names it in
    /// "the body ends early". A leading UTF-8 byte order mark is skipped (as the reader does) but counted.
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> document, int maxDepth, string noun = "body", long line = 1)
    {
        var start = document.StartsWith("\uFEFF"u8) ? 3 : 0;
        var (offset, reason) = Find(document, start, [], JsonTokenType.None, isFinal: true, maxDepth, noun) ?? (start, NotJson);
        var (lines, column) = Locate(document[..(int)offset]);
        return Message(reason, line + lines, column);
    }

    /// <summary>"is not valid JSON: {reason} (line {line}, byte {column})".</summary>
    public static string Message(string reason, long line, long column) =>
        string.Create(CultureInfo.InvariantCulture, $"{NotJson}: {reason} (line {line}, byte {column})");

    /// <summary>How many <c>\n</c> are in <paramref name="before"/>, and how many bytes follow the last one.</summary>
    public static (long Lines, long Column) Locate(ReadOnlySpan<byte> before)
    {
        var lines = before.Count((byte)'\n');
        return (lines, lines == 0 ? before.Length : before.Length - before.LastIndexOf((byte)'\n') - 1);
    }

    /// <summary>
    /// The first syntax error in <paramref name="json"/> from <paramref name="start"/>, where the reader stood just
    /// after a token of type <paramref name="last"/> (<see cref="JsonTokenType.None"/>: before the first value)
    /// inside the containers <paramref name="open"/>. Null when there is none — or, unless
    /// <paramref name="isFinal"/>, when the data ends before one shows.
    /// </summary>
    public static (long Offset, string Reason)? Find(
        ReadOnlySpan<byte> json, int start, ReadOnlySpan<Container> open, JsonTokenType last, bool isFinal, int maxDepth, string noun)
    {
        var stack = new List<Container>(open.Length + 4);
        foreach (var container in open)
        {
            stack.Add(container);
        }

        var expect = last switch
        {
            JsonTokenType.None or JsonTokenType.PropertyName => Expect.Value, // the reader consumes the ':' with the name
            JsonTokenType.StartObject => Expect.NameOrEndObject,
            JsonTokenType.StartArray => Expect.ValueOrEndArray,
            _ => Expect.AfterValue,
        };
        var done = last != JsonTokenType.None && stack.Count == 0 && expect == Expect.AfterValue;
        var i = start;
        while (true)
        {
            while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                i++;
            }

            if (i == json.Length)
            {
                return !isFinal || done ? null : (i, $"the {noun} ends early, {Expected(expect, stack)}");
            }

            var b = json[i];
            if (done)
            {
                return (i, "unexpected text after the JSON value");
            }

            switch (expect)
            {
                case Expect.AfterValue when b == (byte)',':
                    i++;
                    expect = stack[^1] == Container.Object ? Expect.Name : Expect.ValueAfterComma;
                    continue;
                case Expect.AfterValue when b == (stack[^1] == Container.Object ? (byte)'}' : (byte)']'):
                case Expect.NameOrEndObject when b == (byte)'}':
                case Expect.ValueOrEndArray when b == (byte)']':
                    i++;
                    stack.RemoveAt(stack.Count - 1);
                    expect = Expect.AfterValue;
                    done = stack.Count == 0;
                    continue;
                case Expect.AfterValue:
                    return (i, Expected(expect, stack));
                case Expect.Name when b == (byte)'}':
                    return (i, "a trailing ',' before '}' is not allowed");
                case Expect.ValueAfterComma when b == (byte)']':
                    return (i, "a trailing ',' before ']' is not allowed");
                case Expect.Name or Expect.NameOrEndObject:
                    if (b != (byte)'"')
                    {
                        return (i, Expected(expect, stack));
                    }

                    if (String(json, ref i, isFinal, noun) is { } badName)
                    {
                        return badName;
                    }

                    if (i == json.Length)
                    {
                        return isFinal ? (i, $"the {noun} ends early, expected ':' after a property name") : null;
                    }

                    while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
                    {
                        i++;
                    }

                    if (i == json.Length)
                    {
                        return isFinal ? (i, $"the {noun} ends early, expected ':' after a property name") : null;
                    }

                    if (json[i] != (byte)':')
                    {
                        return (i, "expected ':' after a property name");
                    }

                    i++;
                    expect = Expect.Value;
                    continue;
            }

            // A value.
            switch (b)
            {
                case (byte)'{' or (byte)'[':
                    if (stack.Count >= maxDepth)
                    {
                        return (i, string.Create(CultureInfo.InvariantCulture, $"objects and arrays nest more than {maxDepth} deep"));
                    }

                    stack.Add(b == (byte)'{' ? Container.Object : Container.Array);
                    expect = b == (byte)'{' ? Expect.NameOrEndObject : Expect.ValueOrEndArray;
                    i++;
                    continue;
                case (byte)'"':
                    if (String(json, ref i, isFinal, noun) is { } badString)
                    {
                        return badString;
                    }

                    break;
                case (byte)'-' or (>= (byte)'0' and <= (byte)'9'):
                    if (Number(json, ref i, isFinal) is { } badNumber)
                    {
                        return badNumber;
                    }

                    break;
                case (byte)'t' or (byte)'f' or (byte)'n':
                    var literal = b == (byte)'t' ? "true"u8 : b == (byte)'f' ? "false"u8 : "null"u8;
                    var rest = json[i..];
                    if (rest.StartsWith(literal))
                    {
                        i += literal.Length;
                        break;
                    }

                    if (!isFinal && literal.StartsWith(rest))
                    {
                        return null; // the rest of the word is in the next chunk
                    }

                    return (i, ExpectedValue);
                default:
                    return (i, ExpectedValue);
            }

            if (i == json.Length && !isFinal)
            {
                return null; // a string, number or literal may go on in the next chunk
            }

            expect = Expect.AfterValue;
            done = stack.Count == 0;
        }
    }

    private static string Expected(Expect expect, List<Container> stack) => expect switch
    {
        Expect.AfterValue when stack.Count == 0 => "expected nothing after the JSON value",
        Expect.AfterValue when stack[^1] == Container.Object => "expected ',' or '}' after a property value",
        Expect.AfterValue => "expected ',' or ']' after an array item",
        Expect.NameOrEndObject => "expected a property name in double quotes or '}'",
        Expect.Name => "expected a property name in double quotes",
        Expect.ValueOrEndArray => "expected a value or ']'",
        _ => "expected a value",
    };

    // A string from its opening quote at i; on success i is just past the closing quote (or at the end of
    // unfinished data, which is no error unless final).
    private static (long, string)? String(ReadOnlySpan<byte> json, ref int i, bool isFinal, string noun)
    {
        var j = i + 1;
        while (j < json.Length)
        {
            var c = json[j];
            if (c == (byte)'"')
            {
                i = j + 1;
                return null;
            }

            if (c < 0x20)
            {
                return (j, string.Create(CultureInfo.InvariantCulture, $"a string must not hold the control character 0x{c:X2} (write it as an escape such as \\n)"));
            }

            if (c != (byte)'\\')
            {
                j++;
                continue;
            }

            if (j + 1 == json.Length)
            {
                break;
            }

            var e = json[j + 1];
            if (e is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
            {
                j += 2;
                continue;
            }

            if (e != (byte)'u')
            {
                return (j + 1, $"{Show(e)} after '\\' is not an escape (use \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX)");
            }

            for (var k = j + 2; k < j + 6; k++)
            {
                if (k == json.Length)
                {
                    i = json.Length;
                    return isFinal ? (k, $"the {noun} ends inside a string") : null;
                }

                if (!char.IsAsciiHexDigit((char)json[k]))
                {
                    return (k, "expected four hexadecimal digits after '\\u'");
                }
            }

            j += 6;
        }

        i = json.Length;
        return isFinal ? (json.Length, $"the {noun} ends inside a string") : null;
    }

    // A number from its first byte at i (JSON's grammar: no leading zeros, digits after '.' and in the exponent).
    private static (long, string)? Number(ReadOnlySpan<byte> json, ref int i, bool isFinal)
    {
        var j = i;
        if (json[j] == (byte)'-')
        {
            j++;
            if (Digit(json, j, isFinal, "expected a digit after '-'") is { } noDigit)
            {
                return noDigit;
            }
        }

        if (j < json.Length && json[j] == (byte)'0')
        {
            j++;
            if (j < json.Length && char.IsAsciiDigit((char)json[j]))
            {
                return (j, "a number must not start with 0 followed by more digits");
            }
        }
        else
        {
            j = Digits(json, j);
        }

        if (j < json.Length && json[j] == (byte)'.')
        {
            j++;
            if (Digit(json, j, isFinal, "expected a digit after '.'") is { } noFraction)
            {
                return noFraction;
            }

            j = Digits(json, j);
        }

        if (j < json.Length && json[j] is (byte)'e' or (byte)'E')
        {
            j++;
            if (j < json.Length && json[j] is (byte)'+' or (byte)'-')
            {
                j++;
            }

            if (Digit(json, j, isFinal, "expected a digit in the exponent") is { } noExponent)
            {
                return noExponent;
            }

            j = Digits(json, j);
        }

        i = j;
        return null;
    }

    private static (long, string)? Digit(ReadOnlySpan<byte> json, int j, bool isFinal, string reason) =>
        j < json.Length ? (char.IsAsciiDigit((char)json[j]) ? null : (j, reason)) : isFinal ? (j, reason) : null;

    private static int Digits(ReadOnlySpan<byte> json, int j)
    {
        while (j < json.Length && char.IsAsciiDigit((char)json[j]))
        {
            j++;
        }

        return j;
    }

    private static string Show(byte b) =>
        b is >= 0x21 and < 0x7F ? $"'{(char)b}'" : string.Create(CultureInfo.InvariantCulture, $"the byte 0x{b:X2}");
}
