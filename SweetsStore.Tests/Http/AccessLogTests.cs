using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

public class AccessLogTests
{
    private static readonly JsonConsoleFormatterOptions Format = new() { TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ", UseUtcTimestamp = true };

    [Fact]
    public void WritesEachRequestAsOneJsonLineInTheConsoleLoggersShape()
    {
        var output = new RecordingStream();
        using var log = new AccessLog(NullLogger<RequestLogging>.Instance, batched: true, Format, output);

        log.Write("GET", "/couriers/7", null, 200, 1.26, "abc123");
        log.Write("POST", "/orders/assign", null, 503, 30_012.5, "def456");
        Assert.Empty(output.Writes); // queued, not written per line
        log.Flush();

        var lines = output.Lines();
        Assert.Equal(2, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        var root = first.RootElement;
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("Timestamp").GetString(), out _));
        Assert.Equal(0, root.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Equal("SweetsStore.Api.Infrastructure.RequestLogging", root.GetProperty("Category").GetString());
        Assert.Equal("GET /couriers/7 200 1.3 ms abc123", root.GetProperty("Message").GetString());
        var state = root.GetProperty("State");
        Assert.Equal("/couriers/7", state.GetProperty("Path").GetString());
        Assert.Equal(200, state.GetProperty("Status").GetInt32());
        Assert.Equal(1.26, state.GetProperty("ElapsedMs").GetDouble());
        Assert.Equal("abc123", state.GetProperty("TraceId").GetString());
        Assert.Equal("POST /orders/assign 503 30012.5 ms def456", JsonDocument.Parse(lines[1]).RootElement.GetProperty("Message").GetString());
        Assert.Single(output.Writes); // both lines in one write
    }

    [Fact]
    public void WritesAtMostAPipeBufferAtATimeAndNeverSplitsALine()
    {
        var output = new RecordingStream();
        using var log = new AccessLog(NullLogger<RequestLogging>.Instance, batched: true, Format, output);
        for (var i = 0; i < 100; i++)
        {
            log.Write("GET", $"/couriers/{i}", null, 200, 0.5, "trace");
        }

        log.Write("GET", "/" + new string('x', 10_000), null, 404, 0.5, "long"); // a line longer than a pipe buffer
        log.Flush();

        Assert.True(output.Writes.Count > 2);
        Assert.All(output.Writes.SkipLast(1), w => Assert.True(w.Length <= 4096, $"a write of {w.Length} bytes"));
        Assert.All(output.Writes, w => Assert.Equal((byte)'\n', w[^1]));
        Assert.Equal(101, output.Lines().Length);
        Assert.All(output.Lines(), line => JsonDocument.Parse(line).Dispose());
    }

    [Fact]
    public void DropsLinesBeyondItsQueueAndSaysHowMany()
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var output = new RecordingStream();
        using var log = new AccessLog(factory.CreateLogger<RequestLogging>(), batched: true, Format, output);
        for (var i = 0; i < AccessLog.MaxPending + 25; i++)
        {
            log.Write("GET", "/health/live", null, 200, 0.1, "t");
        }

        log.Flush();

        Assert.Equal(AccessLog.MaxPending, output.Lines().Length);
        Assert.Contains(logs.Messages, m => m.Contains("25 request lines were dropped", StringComparison.Ordinal));
    }

    [Fact]
    public void WithAnotherConsoleFormatTheLinesGoThroughTheLogger()
    {
        var logs = new CapturingLoggerProvider(LogLevel.Information);
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        var output = new RecordingStream();
        using var log = new AccessLog(factory.CreateLogger<RequestLogging>(), batched: false, Format, output);

        log.Write("GET", "/couriers/1", null, 404, 2.04, "xyz");
        log.Flush();

        Assert.Empty(output.Writes);
        Assert.Contains("GET /couriers/1 404 2.0 ms xyz", logs.Messages);
    }

    [Fact]
    public async Task ARequestThroughThePipelineIsLoggedWithTheTraceIdItWasAnswered()
    {
        var output = new RecordingStream();
        var api = new JsonLogFactory(output);
        await api.InitializeAsync();
        try
        {
            using var client = api.CreateClient();
            using var response = await client.GetAsync("/health/live");
            var traceId = Assert.Single(response.Headers.GetValues("X-Trace-Id"));

            var waited = Stopwatch.StartNew();
            while (!output.Text().Contains(traceId, StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(20); // flushed within AccessLog.FlushInterval
            }

            var line = Assert.Single(output.Lines(), l => l.Contains(traceId, StringComparison.Ordinal));
            var state = JsonDocument.Parse(line).RootElement.GetProperty("State");
            Assert.Equal("GET", state.GetProperty("Method").GetString());
            Assert.Equal("/health/live", state.GetProperty("Path").GetString());
            Assert.Equal(200, state.GetProperty("Status").GetInt32());
        }
        finally
        {
            await ((Xunit.IAsyncLifetime)api).DisposeAsync();
        }
    }

    [Fact]
    public async Task A400sLineNamesItsFirstErrorAndTheQuery()
    {
        var output = new RecordingStream();
        var api = new JsonLogFactory(output);
        await api.InitializeAsync();
        try
        {
            using var client = api.CreateClient();
            using var badQuery = await client.GetAsync("/orders?status=lost&limit=5");
            using var badElement = await client.PostAsync("/couriers", new StringContent(
                "{\"data\": [{\"courier_id\": 3, \"courier_type\": \"boat\", \"regions\": [1], \"working_hours\": [\"09:00-18:00\"]}]}",
                Encoding.UTF8, "application/json"));
            using var fine = await client.GetAsync("/couriers?limit=2");
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, badQuery.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, badElement.StatusCode);

            var query = await LineAsync(output, badQuery);
            Assert.Equal("/orders", query.GetProperty("Path").GetString());
            Assert.Equal("?status=lost&limit=5", query.GetProperty("Query").GetString());
            Assert.Equal(400, query.GetProperty("Status").GetInt32());
            Assert.Equal("status", query.GetProperty("Field").GetString());
            Assert.Equal("must be one of \"pending\", \"assigned\", \"completed\"", query.GetProperty("Error").GetString());

            var element = await LineAsync(output, badElement);
            Assert.Equal("couriers[id=3].courier_type", element.GetProperty("Field").GetString());
            var message = JsonNode.Parse(await badElement.Content.ReadAsStringAsync())!["validation_error"]!["couriers"]![0]!["errors"]!["courier_type"]![0]!;
            Assert.Equal((string?)message, element.GetProperty("Error").GetString());

            var ok = await LineAsync(output, fine);
            Assert.Equal("?limit=2", ok.GetProperty("Query").GetString());
            Assert.False(ok.TryGetProperty("Field", out _));
        }
        finally
        {
            await ((Xunit.IAsyncLifetime)api).DisposeAsync();
        }
    }

    [Fact]
    public void TheFirstErrorIsReadFromEitherEnvelope()
    {
        var fields = RequestLogging.FirstErrorOf("""{"validation_error":{"errors":{"courier_id":["is required","x"],"regions":["y"]}}}"""u8);
        var elements = RequestLogging.FirstErrorOf(
            """{"validation_error":{"orders":[{"index":4,"errors":{"weight":["must be from 0.01 to 50"]}},{"id":9,"errors":{"region":["z"]}}]}}"""u8);

        Assert.Equal(new FirstError("courier_id", "is required"), fields);
        Assert.Equal(new FirstError("orders[index=4].weight", "must be from 0.01 to 50"), elements);
        Assert.Equal(new FirstError("data", "is required"),
            RequestLogging.FirstErrorOf("""{"validation_error":{"couriers":[],"errors":{"data":["is required"]}}}"""u8));
        Assert.Null(RequestLogging.FirstErrorOf("{\"validation_error\":"u8));
    }

    [Fact]
    public void WithAnotherConsoleFormatA400sLineNamesItsFirstErrorToo()
    {
        var logs = new CapturingLoggerProvider(LogLevel.Information);
        using var factory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(logs));
        using var log = new AccessLog(factory.CreateLogger<RequestLogging>(), batched: false, Format, new RecordingStream());

        log.Write("GET", "/orders", "?status=lost", 400, 1.04, "xyz", "status", "must be one of …");

        Assert.Contains("GET /orders?status=lost 400 1.0 ms xyz status: must be one of …", logs.Messages);
    }

    private static async Task<JsonElement> LineAsync(RecordingStream output, HttpResponseMessage response)
    {
        var traceId = Assert.Single(response.Headers.GetValues("X-Trace-Id"));
        var waited = Stopwatch.StartNew();
        while (!output.Text().Contains(traceId, StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(20); // flushed within AccessLog.FlushInterval
        }

        var line = Assert.Single(output.Lines(), l => l.Contains(traceId, StringComparison.Ordinal));
        return JsonDocument.Parse(line).RootElement.GetProperty("State").Clone();
    }

    /// <summary>The API with the JSON console format, its request lines captured.</summary>
    private sealed class JsonLogFactory(RecordingStream output) : ApiFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Logging:LogLevel:SweetsStore.Api.Infrastructure.RequestLogging", "Information");
            builder.ConfigureServices(services => services.AddSingleton(sp =>
                new AccessLog(sp.GetRequiredService<ILogger<RequestLogging>>(), batched: true, Format, output)));
        }
    }

    /// <summary>Keeps each write separately.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly List<byte[]> _writes = [];

        public IReadOnlyList<byte[]> Writes
        {
            get
            {
                lock (_writes)
                {
                    return _writes.ToArray();
                }
            }
        }

        public string Text() => Encoding.UTF8.GetString(Writes.SelectMany(w => w).ToArray());

        public string[] Lines() => Text().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (_writes)
            {
                _writes.Add(buffer.ToArray());
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
