using System.Diagnostics;
using System.Text;
using System.Text.Json;
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

        log.Write("GET", "/couriers/7", 200, 1.26, "abc123");
        log.Write("POST", "/orders/assign", 503, 30_012.5, "def456");
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
            log.Write("GET", $"/couriers/{i}", 200, 0.5, "trace");
        }

        log.Write("GET", "/" + new string('x', 10_000), 404, 0.5, "long"); // a line longer than a pipe buffer
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
            log.Write("GET", "/health/live", 200, 0.1, "t");
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

        log.Write("GET", "/couriers/1", 404, 2.04, "xyz");
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
            while (!output.Text().Contains(traceId, StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(10))
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
