using System.Text;
using SweetsStore.Api.Contracts;

namespace SweetsStore.Tests.Contracts;

/// <summary>
/// What the streamed import reader holds between chunks. Bodies of megabytes of whitespace, or with one huge
/// element, used to be kept whole and scanned again on every chunk: time quadratic in the body (a 65 MiB body of
/// spaces kept a process busy past 19 s instead of reaching the 413 at 64 MiB; found by reliability/run.sh).
/// </summary>
public class ImportStreamTests
{
    private const int Chunk = 64 * 1024;

    [Theory]
    [InlineData(ImportStream.Json)]
    [InlineData(ImportStream.NdJson)]
    public void WhitespaceBetweenElementsIsNotHeldOnTo(string format)
    {
        var stream = new ImportStream(format, 1000);
        var seen = new List<int>();
        // NDJSON: blank lines (a line holds one element, so a newline-free run of spaces is one huge line).
        var spaces = Encoding.ASCII.GetBytes(format == ImportStream.Json
            ? new string(' ', Chunk)
            : string.Concat(Enumerable.Repeat(new string(' ', 1023) + "\n", Chunk / 1024)));
        var (open, element, close) = format == ImportStream.Json
            ? ("{\"data\": [", "{\"order_id\": 1}", "]}")
            : ("", "{\"order_id\": 1}\n", "");

        stream.Push(Encoding.ASCII.GetBytes(open + element), false, (i, _) => seen.Add(i));
        var mostHeld = 0;
        for (var i = 0; i < 128; i++)
        {
            stream.Push(spaces, false, (n, _) => seen.Add(n));
            mostHeld = Math.Max(mostHeld, stream.Buffered);
        }

        stream.Push(Encoding.ASCII.GetBytes(format == ImportStream.Json ? "," + element + close : element), true, (i, _) => seen.Add(i));

        Assert.Null(stream.Errors);
        Assert.Equal(2, seen.Count);
        // JSON drops whitespace between tokens; NDJSON keeps only an unfinished line (none here).
        Assert.Equal(0, mostHeld);
    }

    [Fact]
    public void ABodyOfOnlySpacesHoldsNothingAndEndsAsNotAnImport()
    {
        var stream = new ImportStream(ImportStream.Json, 1000);
        var spaces = Encoding.ASCII.GetBytes(new string(' ', Chunk));
        for (var i = 0; i < 64; i++)
        {
            stream.Push(spaces, false, (_, _) => { });
            Assert.Equal(0, stream.Buffered);
        }

        stream.Push([], true, (_, _) => { });

        Assert.Equal(["is required"], stream.Errors!["data"]);
    }

    [Theory]
    [InlineData(ImportStream.Json, "{\"data\": [{\"order_id\": 1}, {\"order_id\": 2, \"pad\": \"", "data[1]")]
    [InlineData(ImportStream.NdJson, "{\"order_id\": 1}\n{\"order_id\": 2, \"pad\": \"", "data[1]")]
    [InlineData(ImportStream.Json, "{\"pad\": \"", "body")]
    public void AnElementLargerThanTheLimitEndsTheImportWithoutHoldingMore(string format, string start, string field)
    {
        var stream = new ImportStream(format, 1000);
        var seen = 0;
        stream.Push(Encoding.ASCII.GetBytes(start), false, (_, _) => seen++);
        var filler = Encoding.ASCII.GetBytes(new string('x', Chunk));
        var pushes = 0;
        while (!stream.Failed && pushes++ < 100)
        {
            stream.Push(filler, false, (_, _) => seen++);
            Assert.True(stream.Buffered <= ImportStream.MaxElementBytes + Chunk);
        }

        Assert.True(stream.Failed);
        Assert.InRange(pushes, ImportStream.MaxElementBytes / Chunk, (ImportStream.MaxElementBytes / Chunk) + 1);
        Assert.Contains(stream.Errors![field], m => m.Contains("larger than 1 MiB", StringComparison.Ordinal));
        Assert.Equal(format == ImportStream.Json && field == "body" ? 0 : 1, seen);
    }

    [Theory]
    [InlineData(ImportStream.Json, 0)]
    [InlineData(ImportStream.Json, 1)]
    [InlineData(ImportStream.NdJson, 0)]
    [InlineData(ImportStream.NdJson, 1)]
    public void AnElementThatArrivesWholeInOneChunkIsMeasuredToo(string format, int over)
    {
        // A background import's reads can be larger than 1 MiB: an element of 1–2 MiB that came in one read was let
        // through (found by an operator probe, 2026-12-05). Exactly 1 MiB passes; one byte more does not.
        var head = "{\"order_id\": 2, \"pad\": \"";
        var element = head + new string('x', ImportStream.MaxElementBytes - head.Length - 2 + over) + "\"}";
        Assert.Equal(ImportStream.MaxElementBytes + over, element.Length);
        var body = format == ImportStream.Json
            ? "{\"data\": [{\"order_id\": 1}, " + element + ", {\"order_id\": 3}]}"
            : "{\"order_id\": 1}\n" + element + "\n{\"order_id\": 3}\n";
        var stream = new ImportStream(format, 1000);
        var seen = new List<int>();

        stream.Push(Encoding.ASCII.GetBytes(body), true, (i, json) => seen.Add(i));

        if (over == 0)
        {
            Assert.Null(stream.Errors);
            Assert.Equal([0, 1, 2], seen);
        }
        else
        {
            Assert.Equal(["is larger than 1 MiB"], stream.Errors!["data[1]"]);
            Assert.Equal([0], seen);
        }
    }

    [Fact]
    public void NdjsonIndexesSkipBlankLinesAndLineOfFindsTheirLines()
    {
        var stream = new ImportStream(ImportStream.NdJson, 1000);
        var seen = new List<int>();
        var body = "{\"a\":1}\n\n \n{\"a\":2}\n{\"a\":3}\n\r\n{\"a\":4}";

        // Pushed a byte at a time: a line's place must not depend on where the chunks end.
        var bytes = Encoding.ASCII.GetBytes(body);
        for (var i = 0; i < bytes.Length; i++)
        {
            stream.Push(bytes.AsSpan(i, 1), i == bytes.Length - 1, (index, _) => seen.Add(index));
        }

        Assert.Null(stream.Errors);
        Assert.Equal([0, 1, 2, 3], seen);
        Assert.Equal([1L, 4L, 5L, 7L], seen.Select(stream.LineOf));
    }
}
