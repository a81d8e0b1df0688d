using System.Text.Json;
using SweetsStore.Data.Imports;
using SweetsStore.Domain;

namespace SweetsStore.Api.Contracts;

/// <summary>
/// A quicker way for the elements most imports consist of: one that is plainly valid is read once, token by token,
/// and encoded (<see cref="Append"/>) without a <see cref="JsonDocument"/> or any object of its own. Anything else
/// is declined and goes the full way (<see cref="ImportElements{T}.Add"/>), which alone reports what is wrong, so
/// every message stays as it was.
/// </summary>
internal interface IElementFastPath
{
    /// <summary>True when <paramref name="json"/> is a valid element as written, with the id <paramref name="id"/>; it is kept for <see cref="Append"/>.</summary>
    bool TryRead(ReadOnlySpan<byte> json, out long id);

    /// <summary>Encodes the element the last <see cref="TryRead"/> accepted.</summary>
    void Append(CopyBatch batch, int position);
}

/// <summary>
/// Orders for <see cref="IElementFastPath"/>: an object of exactly <c>order_id</c>, <c>weight</c>, <c>region</c> and
/// <c>delivery_hours</c>, in any order, names unescaped, each once, and each value valid as
/// <see cref="JsonFields"/> reads it (the same parsers: <see cref="Weight.TryParseOrderWeight"/>,
/// <see cref="TimeWindow.TryParse"/>), windows unescaped and at most <see cref="MaxWindows"/>. Whatever else it
/// meets — another field, a null, an escape, a wrong type, a bad value, a broken NDJSON line — it declines.
/// </summary>
internal sealed class OrderElementReader(int maxListItems) : IElementFastPath
{
    /// <summary>More windows than this go the full way (a valid order may have up to <c>Limits:MaxListItems</c>).</summary>
    public const int MaxWindows = 32;

    private const int MaxNumberBytes = 32; // a longer weight is left to the full way (which may still accept it)
    private const int AllFields = 0b1111;

    private static readonly JsonReaderOptions Options = new() { MaxDepth = 32 };

    private readonly byte[] _windows = new byte[MaxWindows * OrderRows.WindowLength];
    private readonly (int Start, int End)[] _segments = new (int Start, int End)[MaxWindows * 2];
    private readonly int _maxWindows = Math.Min(maxListItems, MaxWindows);
    private long _id;
    private int _weight;
    private int _region;
    private int _windowCount;
    private int _segmentCount;

    public bool TryRead(ReadOnlySpan<byte> json, out long id)
    {
        id = 0;
        if (json.IsEmpty || json[0] != (byte)'{')
        {
            return false;
        }

        try
        {
            if (!Read(json))
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false; // an NDJSON line that is not JSON: the full way says where
        }

        id = _id;
        return true;
    }

    public void Append(CopyBatch batch, int position) =>
        OrderRows.Append(batch, _id, _weight, _region, _windows.AsSpan(0, _windowCount * OrderRows.WindowLength), _segments.AsSpan(0, _segmentCount), position);

    private bool Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, Options);
        reader.Read(); // the '{'
        var seen = 0;
        while (true)
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.ValueIsEscaped)
            {
                return false;
            }

            var name = reader.ValueSpan;
            var field = name.SequenceEqual("order_id"u8) ? 0
                : name.SequenceEqual("weight"u8) ? 1
                : name.SequenceEqual("region"u8) ? 2
                : name.SequenceEqual("delivery_hours"u8) ? 3
                : -1;
            if (field < 0 || (seen & (1 << field)) != 0 || !reader.Read())
            {
                return false;
            }

            seen |= 1 << field;
            var ok = field switch
            {
                0 => reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out _id) && _id >= 1,
                1 => ReadWeight(ref reader),
                2 => reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out _region) && _region >= 1,
                _ => ReadWindows(ref reader),
            };
            if (!ok)
            {
                return false;
            }
        }

        // Nothing may follow the object (an NDJSON line "{...} x" is not one element).
        return seen == AllFields && !reader.Read();
    }

    private bool ReadWeight(ref Utf8JsonReader reader)
    {
        var text = reader.ValueSpan;
        if (reader.TokenType != JsonTokenType.Number || text.Length > MaxNumberBytes)
        {
            return false;
        }

        Span<char> chars = stackalloc char[MaxNumberBytes];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i]; // a JSON number is ASCII
        }

        if (!Weight.TryParseOrderWeight(chars[..text.Length], out var weight))
        {
            return false;
        }

        _weight = weight.HundredthsOfKg;
        return true;
    }

    private bool ReadWindows(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        _windowCount = 0;
        _segmentCount = 0;
        Span<char> chars = stackalloc char[OrderRows.WindowLength];
        while (true)
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return true;
            }

            var text = reader.ValueSpan;
            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || text.Length != OrderRows.WindowLength
                || _windowCount == _maxWindows)
            {
                return false;
            }

            for (var i = 0; i < text.Length; i++)
            {
                chars[i] = (char)text[i]; // not ASCII: TryParse refuses it
            }

            if (!TimeWindow.TryParse(chars, out var window, out _))
            {
                return false;
            }

            text.CopyTo(_windows.AsSpan(_windowCount * OrderRows.WindowLength));
            _windowCount++;

            // TimeWindow.Segments, without its enumerator.
            var start = (window.Start.Hour * 60) + window.Start.Minute;
            var end = (window.End.Hour * 60) + window.End.Minute;
            if (!window.CrossesMidnight)
            {
                _segments[_segmentCount++] = (start, end);
            }
            else
            {
                _segments[_segmentCount++] = (start, TimeWindow.MinutesPerDay);
                if (end > 0)
                {
                    _segments[_segmentCount++] = (0, end);
                }
            }
        }
    }
}
