using System.Globalization;
using System.Text.Json;

namespace SweetsStore.Api.Contracts;

/// <summary>Receives each element of a streamed import: its position and its JSON bytes (valid only during the call).</summary>
public delegate void ElementSink(int index, ReadOnlySpan<byte> json);

/// <summary>
/// Reads a bulk import body pushed in chunks, without holding it whole: the classic <c>{"data": [...]}</c>
/// document (checked token by token, elements handed out as they complete) or NDJSON (one element per line, blank
/// lines skipped; an element's index is its position among the elements, <see cref="LineOf"/> its line). Envelope
/// problems end up in <see cref="Errors"/> with the same messages as the synchronous import.
/// </summary>
public sealed class ImportStream(string format, long maxElements)
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 32 };

    private byte[] _buffer = new byte[64 * 1024];
    private int _length;
    private JsonReaderState _state = new(ReaderOptions);
    private Phase _phase = Phase.Start;
    private bool _sawData;
    private int _line;

    // NDJSON: where the elements' lines run ahead of their indexes (blank lines before them), one entry per change:
    // from element Index on, line = Index + Ahead + 1. Empty for a body without blank lines.
    private readonly List<(int Index, int Ahead)> _ahead = [];
    private FieldErrors? _unknownFields;
    private bool _started;

    // Where _buffer[0] sits in the body, for an error's line and byte: its offset, the newlines before it, and
    // the offset where its line starts.
    private long _dropped;
    private long _newlines;
    private long _lineStart;

    private enum Phase
    {
        Start,
        TopLevel,
        Items,
        End,
    }

    public const string Json = "json";
    public const string NdJson = "ndjson";

    /// <summary>
    /// The most bytes one element (or NDJSON line, or other top-level value) may take: 1 MiB, far above a valid
    /// element (an order with 1,000 delivery windows is about 16 KiB). What is held between chunks is at most this
    /// much, so reading a body costs time linear in its size whatever it holds.
    /// </summary>
    public const int MaxElementBytes = 1 << 20;

    private const string TooLarge = "is larger than 1 MiB";

    /// <summary>Elements handed out so far.</summary>
    public int Elements { get; private set; }

    /// <summary>Problems with the body as a whole (not JSON, no <c>data</c> array, too many elements); null while none.</summary>
    public FieldErrors? Errors { get; private set; }

    public bool Failed => Errors is not null;

    /// <summary>Bytes held back for an element (or line) that is not complete yet.</summary>
    public int Buffered => _length;

    /// <summary>Feeds the next chunk (<paramref name="isFinal"/> on the last); complete elements go to <paramref name="sink"/>.</summary>
    public void Push(ReadOnlySpan<byte> chunk, bool isFinal, ElementSink sink)
    {
        if (Failed)
        {
            return;
        }

        Append(chunk);
        if (!_started)
        {
            // A UTF-8 byte order mark (some Windows tools send one) is not JSON; JsonDocument skipped it, so do we.
            if (_length < 3 && !isFinal && "\uFEFF"u8.StartsWith(_buffer.AsSpan(0, _length)))
            {
                return;
            }

            _started = true;
            if (_buffer.AsSpan(0, _length).StartsWith("\uFEFF"u8))
            {
                Keep(3);
            }
        }

        if (format == NdJson)
        {
            PushLines(isFinal, sink);
        }
        else
        {
            PushJson(isFinal, sink);
        }
    }

    private void PushLines(bool isFinal, ElementSink sink)
    {
        var consumed = 0;
        var data = _buffer.AsSpan(0, _length);
        while (true)
        {
            var rest = data[consumed..];
            var newline = rest.IndexOf((byte)'\n');
            if (newline < 0 && !(isFinal && rest.Length > 0))
            {
                break;
            }

            var line = newline < 0 ? rest : rest[..newline];
            consumed += newline < 0 ? rest.Length : newline + 1;
            var lineIndex = _line++;
            if (line.Length > MaxElementBytes)
            {
                // Whole in this chunk: the check after the loop sees only a line still arriving.
                Errors = FieldErrors.Of("data[" + Elements + "]", TooLarge);
                return;
            }

            line = line.TrimEnd((byte)'\r');
            if (line.Trim(" \t"u8).IsEmpty)
            {
                continue;
            }

            if (!Count())
            {
                return;
            }

            var index = Elements - 1;
            if (lineIndex - index != (_ahead.Count == 0 ? 0 : _ahead[^1].Ahead))
            {
                _ahead.Add((index, lineIndex - index));
            }

            sink(index, line);
        }

        Keep(consumed);
        if (_length > MaxElementBytes && !Failed)
        {
            Errors = FieldErrors.Of("data[" + Elements + "]", TooLarge);
        }
    }

    /// <summary>The line (from 1, blank lines counted) of the NDJSON element with this index.</summary>
    public long LineOf(int index)
    {
        // The last change at or before the index (binary search: a body may hold a blank line between every two).
        int low = 0, high = _ahead.Count - 1, ahead = 0;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (_ahead[middle].Index <= index)
            {
                ahead = _ahead[middle].Ahead;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return index + ahead + 1L;
    }

    private void PushJson(bool isFinal, ElementSink sink)
    {
        var reader = new Utf8JsonReader(_buffer.AsSpan(0, _length), isFinal, _state);
        while (!Failed)
        {
            var checkpoint = reader;
            try
            {
                if (!reader.Read())
                {
                    reader = checkpoint;
                    break;
                }
            }
            catch (JsonException)
            {
                Errors = NotJson(checkpoint, isFinal);
                return;
            }

            switch (_phase)
            {
                case Phase.Start:
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        Errors = FieldErrors.Of("data", Messages.Required);
                        return;
                    }

                    _phase = Phase.TopLevel;
                    break;

                case Phase.TopLevel when reader.TokenType == JsonTokenType.EndObject:
                    // A missing data outranks other fields' problems, as in the contract.
                    _phase = Phase.End;
                    Errors = !_sawData ? FieldErrors.Of("data", Messages.Required) : _unknownFields;
                    break;

                case Phase.TopLevel:
                    var isData = reader.ValueTextEquals("data"u8);
                    var name = isData ? "data" : Name(ref reader);
                    bool more;
                    try
                    {
                        more = reader.Read() && (isData && !_sawData && reader.TokenType == JsonTokenType.StartArray || reader.TrySkip());
                    }
                    catch (JsonException)
                    {
                        Errors = NotJson(checkpoint, isFinal);
                        return;
                    }

                    if (!more)
                    {
                        reader = checkpoint;
                        goto NeedMore;
                    }

                    if (isData && !_sawData && reader.TokenType == JsonTokenType.StartArray)
                    {
                        _sawData = true;
                        _phase = Phase.Items;
                        break;
                    }

                    if (!isData)
                    {
                        (_unknownFields ??= new()).Add(name, Messages.UnknownField);
                        break;
                    }

                    Errors = _sawData ? FieldErrors.Of("data", Messages.RepeatedField)
                        : reader.TokenType == JsonTokenType.Null ? FieldErrors.Of("data", Messages.Required)
                        : FieldErrors.Of("data", Messages.Array);
                    return;

                case Phase.Items when reader.TokenType == JsonTokenType.EndArray:
                    _phase = Phase.TopLevel;
                    break;

                case Phase.Items:
                    var start = (int)reader.TokenStartIndex;
                    bool skipped;
                    try
                    {
                        skipped = reader.TrySkip();
                    }
                    catch (JsonException)
                    {
                        Errors = NotJson(checkpoint, isFinal);
                        return;
                    }

                    if (!skipped)
                    {
                        reader = checkpoint;
                        goto NeedMore;
                    }

                    if (reader.BytesConsumed - start > MaxElementBytes)
                    {
                        // Whole in this chunk: the check at the end sees only an element still arriving.
                        Errors = FieldErrors.Of("data[" + Elements + "]", TooLarge);
                        return;
                    }

                    if (!Count())
                    {
                        return;
                    }

                    sink(Elements - 1, _buffer.AsSpan(start, (int)reader.BytesConsumed - start));
                    break;

                case Phase.End:
                    break;
            }
        }

    NeedMore:
        if (isFinal && _phase != Phase.End && !Failed)
        {
            Errors = FieldErrors.Of("data", Messages.Required);
        }

        _state = reader.CurrentState;
        var consumed = (int)reader.BytesConsumed;

        // Whitespace between tokens means nothing: drop it rather than keep (and scan again) what may be megabytes.
        if (_buffer.AsSpan(consumed, _length - consumed).IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            consumed = _length;
        }

        Keep(consumed);
        if (_length > MaxElementBytes && !Failed)
        {
            Errors = _phase == Phase.Items ? FieldErrors.Of("data[" + Elements + "]", TooLarge) : FieldErrors.Of("body", "has a value larger than 1 MiB");
        }
    }

    private bool Count()
    {
        if (Elements >= maxElements)
        {
            Errors = FieldErrors.Of("data", string.Format(CultureInfo.InvariantCulture, Messages.TooMany, maxElements));
            return false;
        }

        Elements++;
        return true;
    }

    private void Append(ReadOnlySpan<byte> chunk)
    {
        if (_length + chunk.Length > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + chunk.Length));
        }

        chunk.CopyTo(_buffer.AsSpan(_length));
        _length += chunk.Length;
    }

    private void Keep(int consumed)
    {
        var gone = _buffer.AsSpan(0, consumed);
        var newlines = gone.Count((byte)'\n');
        if (newlines > 0)
        {
            _newlines += newlines;
            _lineStart = _dropped + gone.LastIndexOf((byte)'\n') + 1;
        }

        _dropped += consumed;
        _buffer.AsSpan(consumed, _length - consumed).CopyTo(_buffer);
        _length -= consumed;
    }

    // A top-level name for "unknown field"; one that is no valid text (a lone surrogate escape) cannot be read.
    private static string Name(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return "(a field name that is not valid text)";
        }
    }

    // The reader refused the body after `checkpoint`: say why and where, or, for a body with no JSON at all
    // (empty, spaces), that data is missing, as the contract says for an empty body.
    private FieldErrors NotJson(Utf8JsonReader checkpoint, bool isFinal)
    {
        var data = _buffer.AsSpan(0, _length);
        if (_phase == Phase.Start && data.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            return FieldErrors.Of("data", Messages.Required);
        }

        JsonSyntax.Container[] open = _phase switch
        {
            Phase.TopLevel => [JsonSyntax.Container.Object],
            Phase.Items => [JsonSyntax.Container.Object, JsonSyntax.Container.Array],
            _ => [],
        };
        var from = (int)checkpoint.BytesConsumed;
        var (offset, reason) = JsonSyntax.Find(data, from, open, checkpoint.TokenType, isFinal, ReaderOptions.MaxDepth, "body")
            ?? (from, JsonSyntax.NotJson);
        var (newlines, column) = JsonSyntax.Locate(data[..(int)offset]);
        var line = _newlines + newlines + 1;
        if (newlines == 0)
        {
            column = _dropped + offset - _lineStart;
        }

        return FieldErrors.Of("body", JsonSyntax.Message(reason, line, column));
    }
}
