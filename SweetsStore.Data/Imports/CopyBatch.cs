using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SweetsStore.Data.Imports;

/// <summary>
/// One batch of an import's rows, each encoded in PostgreSQL's binary COPY format as soon as it is read (into pooled
/// bytes, with a small sort key per row), so a batch waiting for its COPY holds no objects per row for the garbage
/// collector to trace and promote; <see cref="ImportSession{T}.CopyAsync"/> sends the bytes as they are, in
/// <see cref="Sort"/>'s order. Not thread-safe: filled by the reader, then handed to the copier, which disposes it.
/// </summary>
public sealed class CopyBatch : IDisposable
{
    private const int TextOid = 25;
    private const int Int4Oid = 23;
    private const byte RangeLowerInclusive = 0x02; // range_recv's flags: [lower, upper)

    // The batches' buffers come from pools of their own that keep at most two arrays of each size. ArrayPool.Shared
    // keeps one per thread and several per core of every size a batch grows through, trimmed only by full GCs, which
    // an idle process does not run: after ten imports of 100,000 orders the API held ~90 MB of them on its large
    // object heap (docs/decisions/0016, *Quiet full runs*).
    private static readonly ArrayPool<byte> BytePool = ArrayPool<byte>.Create(maxArrayLength: 64 * 1024 * 1024, maxArraysPerBucket: 2);
    private static readonly ArrayPool<Row> RowPool = ArrayPool<Row>.Create(maxArrayLength: 4 * 1024 * 1024, maxArraysPerBucket: 2);

    private byte[] _bytes = []; // rented at the first row
    private int _length;
    private Row[] _rows = [];
    private int _rowStart;

    public int Count { get; private set; }

    /// <summary>The last row's position in the body (rows are added in body order: the largest).</summary>
    public int LastPosition => Count == 0 ? -1 : _rows[Count - 1].Position;

    /// <summary>Puts the rows in copy order: by key, ties in body order.</summary>
    public void Sort() => Array.Sort(_rows, 0, Count, RowOrder.Instance);

    public void Dispose()
    {
        if (_bytes.Length > 0)
        {
            BytePool.Return(_bytes);
            _bytes = [];
        }

        if (_rows.Length > 0)
        {
            RowPool.Return(_rows);
            _rows = [];
        }

        Count = 0;
        _length = 0;
    }

    /// <summary>The rows' bytes in their current order; each row's bytes from <paramref name="patchAt"/> on are 8 bytes that <paramref name="patch"/> fills.</summary>
    internal IEnumerable<ReadOnlyMemory<byte>> Rows(int patchAt, Func<int, long>? patch)
    {
        for (var i = 0; i < Count; i++)
        {
            var row = _rows[i];
            if (patch is not null)
            {
                BinaryPrimitives.WriteInt64BigEndian(_bytes.AsSpan(row.Offset + patchAt, 8), patch(row.Position));
            }

            yield return _bytes.AsMemory(row.Offset, row.Length);
        }
    }

    internal void BeginRow(short fields, long key, int position)
    {
        if (Count == _rows.Length)
        {
            var grown = RowPool.Rent(Math.Max(_rows.Length * 2, 1024));
            Array.Copy(_rows, grown, Count);
            if (_rows.Length > 0)
            {
                RowPool.Return(_rows);
            }

            _rows = grown;
        }

        _rows[Count] = new Row(key, position, _length, 0);
        _rowStart = _length;
        BinaryPrimitives.WriteInt16BigEndian(Space(2), fields);
    }

    internal void EndRow()
    {
        _rows[Count] = _rows[Count] with { Length = _length - _rowStart };
        Count++;
    }

    internal void Int64(long value)
    {
        var span = Space(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
    }

    internal void Int32(int value)
    {
        var span = Space(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
    }

    internal void Text(string value)
    {
        var span = Space(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var written = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, written);
        _length -= span.Length - 4 - written;
    }

    /// <summary>text[] in array_recv's format: dimensions, no nulls, element type, each element length-prefixed.</summary>
    internal void TextArray(IReadOnlyList<string> values)
    {
        var field = BeginField();
        ArrayHeader(values.Count, TextOid);
        foreach (var value in values)
        {
            Text(value);
        }

        EndField(field);
    }

    internal void Int32Array(IReadOnlyList<int> values)
    {
        var field = BeginField();
        ArrayHeader(values.Count, Int4Oid);
        foreach (var value in values)
        {
            Int32(value);
        }

        EndField(field);
    }

    /// <summary>
    /// text[] as <see cref="TextArray"/> writes it, of texts given as UTF-8 bytes, each <paramref name="length"/> bytes
    /// long, one after another in <paramref name="texts"/> (an order's delivery windows as they came in the body).
    /// </summary>
    internal void TextArray(ReadOnlySpan<byte> texts, int length)
    {
        var count = texts.Length / length;
        var field = BeginField();
        ArrayHeader(count, TextOid);
        for (var i = 0; i < count; i++)
        {
            var span = Space(4 + length);
            BinaryPrimitives.WriteInt32BigEndian(span, length);
            texts.Slice(i * length, length).CopyTo(span[4..]);
        }

        EndField(field);
    }

    /// <summary>int4multirange in multirange_recv's format: the count, then each [start, end) range length-prefixed.</summary>
    internal void Int4Multirange(IReadOnlyList<(int Start, int End)> ranges) =>
        Int4Multirange(ranges is (int Start, int End)[] array ? array : [.. ranges]); // Schedule.Segments() is an array

    /// <inheritdoc cref="Int4Multirange(IReadOnlyList{ValueTuple{int, int}})"/>
    internal void Int4Multirange(ReadOnlySpan<(int Start, int End)> ranges)
    {
        var field = BeginField();
        BinaryPrimitives.WriteInt32BigEndian(Space(4), ranges.Length);
        foreach (var (start, end) in ranges)
        {
            Range(start, end);
        }

        EndField(field);
    }

    private void Range(int start, int end)
    {
        var span = Space(4 + 17);
        BinaryPrimitives.WriteInt32BigEndian(span, 17);
        span[4] = RangeLowerInclusive;
        BinaryPrimitives.WriteInt32BigEndian(span[5..], 4);
        BinaryPrimitives.WriteInt32BigEndian(span[9..], start);
        BinaryPrimitives.WriteInt32BigEndian(span[13..], 4);
        BinaryPrimitives.WriteInt32BigEndian(span[17..], end);
    }

    private void ArrayHeader(int count, int elementOid)
    {
        var span = Space(count == 0 ? 12 : 20);
        BinaryPrimitives.WriteInt32BigEndian(span, count == 0 ? 0 : 1); // dimensions (an empty array has none)
        BinaryPrimitives.WriteInt32BigEndian(span[4..], 0); // no nulls
        BinaryPrimitives.WriteInt32BigEndian(span[8..], elementOid);
        if (count > 0)
        {
            BinaryPrimitives.WriteInt32BigEndian(span[12..], count);
            BinaryPrimitives.WriteInt32BigEndian(span[16..], 1); // lower bound
        }
    }

    // A field whose length is known once written: its length prefix is filled in by EndField.
    private int BeginField()
    {
        Space(4);
        return _length;
    }

    private void EndField(int start) => BinaryPrimitives.WriteInt32BigEndian(_bytes.AsSpan(start - 4, 4), _length - start);

    private Span<byte> Space(int bytes)
    {
        if (_length + bytes > _bytes.Length)
        {
            var grown = BytePool.Rent(Math.Max(Math.Max(_bytes.Length * 2, _length + bytes), 64 * 1024));
            _bytes.AsSpan(0, _length).CopyTo(grown);
            if (_bytes.Length > 0)
            {
                BytePool.Return(_bytes);
            }

            _bytes = grown;
        }

        var span = _bytes.AsSpan(_length, bytes);
        _length += bytes;
        return span;
    }

    private readonly record struct Row(long Key, int Position, int Offset, int Length);

    private sealed class RowOrder : IComparer<Row>
    {
        public static readonly RowOrder Instance = new();

        public int Compare(Row x, Row y) => x.Key != y.Key ? x.Key.CompareTo(y.Key) : x.Position.CompareTo(y.Position);
    }
}
