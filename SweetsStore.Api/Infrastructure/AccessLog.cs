using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// The per-request log line (<see cref="RequestLogging"/>). With the JSON console format (the default) the lines
/// are queued and written to standard output in batches, every <see cref="FlushInterval"/>, in the shape the
/// JSON console logger gives every other line; with another format they go through the logger as they come.
/// </summary>
/// <remarks>
/// Why not the console logger for these too: it formats each line on the request's thread and wakes its own
/// writer thread for one write() per line, a large share of a GET's CPU; queued and batched it costs little
/// (measured: docs/decisions/0007, "The request log line, batched"). A line reaches the
/// output at most <see cref="FlushInterval"/> late, and a process killed with SIGKILL loses that much.
/// At most <see cref="MaxPending"/> lines wait: should the output fall that far behind, newer lines are
/// dropped and counted, and the count is logged as a warning.
/// </remarks>
public sealed class AccessLog : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);
    public const int MaxPending = 100_000;

    private const string Template = "{Method} {Path}{Query} {Status} {ElapsedMs:0.0} ms {TraceId}";
    private const string ErrorTemplate = "{Method} {Path}{Query} {Status} {ElapsedMs:0.0} ms {TraceId} {Field}: {Error}";
    private const int MaxWrite = 4096; // one write() of at most PIPE_BUF: lines never interleave with other writers'

    private readonly ILogger<RequestLogging> _logger;
    private readonly bool _batched;
    private readonly string? _timestampFormat;
    private readonly bool _utc;
    private readonly Stream _output;
    private readonly ConcurrentQueue<Entry> _pending = new();
    private readonly Lock _flushing = new();
    private readonly ArrayBufferWriter<byte> _line = new(512);
    private readonly byte[] _chunk = new byte[MaxWrite];
    private readonly Utf8JsonWriter _json;
    private int _count;
    private long _dropped;
    private volatile bool _stopped;

    // An empty execution context (no async locals: no logging scope, no current activity). The readable (not batched)
    // line is logged in it: the console logger's scopes (the request's trace and span ids, connection, path) would
    // otherwise print before a line that already ends with its trace id, and make every request's line three times as long.
    private readonly ExecutionContext? _outsideRequests = EmptyContext();

    public AccessLog(ILogger<RequestLogging> logger, IOptions<ConsoleLoggerOptions> console, IOptionsMonitor<JsonConsoleFormatterOptions> json)
        : this(logger, console.Value.FormatterName == ConsoleFormatterNames.Json, json.CurrentValue, Console.OpenStandardOutput())
    {
    }

    /// <summary>For tests: <paramref name="batched"/> lines go to <paramref name="output"/>.</summary>
    public AccessLog(ILogger<RequestLogging> logger, bool batched, JsonConsoleFormatterOptions format, Stream output)
    {
        _logger = logger;
        _batched = batched;
        _timestampFormat = format.TimestampFormat;
        _utc = format.UseUtcTimestamp;
        _output = output;
        _json = new Utf8JsonWriter(_line, format.JsonWriterOptions);
    }

    /// <summary>Whether request lines are wanted at all (the category's log level).</summary>
    public bool Enabled => _logger.IsEnabled(LogLevel.Information);

    /// <summary>
    /// Logs one request: <paramref name="query"/> with its <c>?</c> (or empty), and for a 400 the first error's
    /// <paramref name="field"/> and <paramref name="error"/> message (else null).
    /// </summary>
    public void Write(string method, string? path, string? query, int status, double elapsedMs, string traceId, string? field = null, string? error = null)
    {
        query ??= "";
        if (!_batched)
        {
            var entry = new Entry(default, method, path, query, status, elapsedMs, traceId, field, error);
            if (_outsideRequests is null)
            {
                LogThroughLogger(entry);
            }
            else
            {
                ExecutionContext.Run(_outsideRequests, static state =>
                {
                    var (log, e) = ((AccessLog, Entry))state!;
                    log.LogThroughLogger(e);
                }, (this, entry));
            }

            return;
        }

        if (Interlocked.Increment(ref _count) > MaxPending)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
            return;
        }

        _pending.Enqueue(new Entry(DateTimeOffset.UtcNow, method, path, query, status, elapsedMs, traceId, field, error));
        if (_stopped)
        {
            Flush(); // after shutdown began (requests still draining): no timer any more
        }
    }

    private static ExecutionContext? EmptyContext()
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(ExecutionContext.Capture).GetAwaiter().GetResult(); // a work item that inherited nothing
        }
    }

    private void LogThroughLogger(Entry e)
    {
        if (e.Field is null)
        {
            _logger.LogInformation(Template, e.Method, e.Path, e.Query, e.Status, e.ElapsedMs, e.TraceId);
        }
        else
        {
            _logger.LogInformation(ErrorTemplate, e.Method, e.Path, e.Query, e.Status, e.ElapsedMs, e.TraceId, e.Field, e.Error);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_batched)
        {
            return;
        }

        using var timer = new PeriodicTimer(FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Flush();
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _stopped = true;
            Flush();
        }
    }

    /// <summary>Writes every queued line now.</summary>
    public void Flush()
    {
        lock (_flushing)
        {
            var used = 0;
            while (_pending.TryDequeue(out var entry))
            {
                Interlocked.Decrement(ref _count);
                Format(entry);
                if (used + _line.WrittenCount > MaxWrite)
                {
                    WriteOut(_chunk.AsSpan(0, used));
                    used = 0;
                }

                if (_line.WrittenCount > MaxWrite)
                {
                    WriteOut(_line.WrittenSpan); // one very long path: a write of its own
                }
                else
                {
                    _line.WrittenSpan.CopyTo(_chunk.AsSpan(used));
                    used += _line.WrittenCount;
                }
            }

            WriteOut(_chunk.AsSpan(0, used));
        }

        var dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped > 0)
        {
            _logger.LogWarning("Request log fell behind: {Dropped} request lines were dropped", dropped);
        }
    }

    public override void Dispose()
    {
        _stopped = true;
        Flush();
        _json.Dispose();
        base.Dispose();
    }

    private void WriteOut(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        try
        {
            _output.Write(bytes);
            _output.Flush();
        }
        catch (IOException)
        {
            // Standard output is gone (a closed pipe): the requests go on without their log lines.
        }
    }

    // One line as the JSON console formatter writes it: Timestamp, EventId, LogLevel, Category, Message, State.
    private void Format(in Entry entry)
    {
        _line.ResetWrittenCount();
        _json.Reset(_line);
        _json.WriteStartObject();
        if (_timestampFormat is not null)
        {
            var at = _utc ? entry.At : entry.At.ToLocalTime();
            _json.WriteString("Timestamp", at.ToString(_timestampFormat, CultureInfo.InvariantCulture));
        }

        _json.WriteNumber("EventId", 0);
        _json.WriteString("LogLevel", "Information");
        _json.WriteString("Category", "SweetsStore.Api.Infrastructure.RequestLogging");
        _json.WriteString("Message", entry.Field is null
            ? string.Create(CultureInfo.InvariantCulture, $"{entry.Method} {entry.Path}{entry.Query} {entry.Status} {entry.ElapsedMs:0.0} ms {entry.TraceId}")
            : string.Create(CultureInfo.InvariantCulture, $"{entry.Method} {entry.Path}{entry.Query} {entry.Status} {entry.ElapsedMs:0.0} ms {entry.TraceId} {entry.Field}: {entry.Error}"));
        _json.WriteStartObject("State");
        _json.WriteString("Method", entry.Method);
        _json.WriteString("Path", entry.Path);
        _json.WriteString("Query", entry.Query);
        _json.WriteNumber("Status", entry.Status);
        _json.WriteNumber("ElapsedMs", entry.ElapsedMs);
        _json.WriteString("TraceId", entry.TraceId);
        if (entry.Field is not null)
        {
            _json.WriteString("Field", entry.Field);
            _json.WriteString("Error", entry.Error);
        }

        _json.WriteString("{OriginalFormat}", entry.Field is null ? Template : ErrorTemplate);
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        _line.Write("\n"u8);
    }

    private readonly record struct Entry(
        DateTimeOffset At, string Method, string? Path, string Query, int Status, double ElapsedMs, string TraceId, string? Field, string? Error);
}
