using HangfireLog = Hangfire.Logging;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// Hangfire logs through one static provider per process (LibLog), and its classes keep the loggers they get in
/// static fields. So the provider is set once, to this bridge, and every Hangfire logger looks up at each call the
/// logger factory of the host that attached last (a process runs one host; tests run many in turn and in parallel,
/// and a disposed host's factory must not be written to). Categories are Hangfire's class names.
/// </summary>
internal sealed class HangfireLogging : HangfireLog.ILogProvider
{
    private static readonly HangfireLogging Instance = new();
    private static ILoggerFactory? _factory;

    /// <summary>
    /// Makes the bridge Hangfire's provider. Before any Hangfire class is used: a logger it takes before that is a
    /// no-op for good.
    /// </summary>
    public static void Install() => HangfireLog.LogProvider.SetCurrentLogProvider(Instance);

    public HangfireLog.ILog GetLogger(string name) => new Logger(name);

    /// <summary>A host's logger factory, receiving Hangfire's logs from its creation until the host disposes it.</summary>
    internal sealed class Attachment : IDisposable
    {
        private readonly ILoggerFactory _mine;

        public Attachment(ILoggerFactory factory)
        {
            _mine = factory;
            Install();
            Volatile.Write(ref _factory, factory);
        }

        public void Dispose() => Interlocked.CompareExchange(ref _factory, null, _mine);
    }

    private sealed class Logger(string name) : HangfireLog.ILog
    {
        private (ILoggerFactory Factory, ILogger Logger)? _current;

        public bool Log(HangfireLog.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            if (Current() is not { } logger)
            {
                return false;
            }

            var level = logLevel switch
            {
                HangfireLog.LogLevel.Trace => LogLevel.Trace,
                HangfireLog.LogLevel.Debug => LogLevel.Debug,
                HangfireLog.LogLevel.Info => LogLevel.Information,
                HangfireLog.LogLevel.Warn => LogLevel.Warning,
                HangfireLog.LogLevel.Error => LogLevel.Error,
                _ => LogLevel.Critical,
            };
            if (!logger.IsEnabled(level))
            {
                return false;
            }

            if (messageFunc is not null)
            {
#pragma warning disable CA2254 // Hangfire hands over finished text, not a template
                logger.Log(level, exception, messageFunc().Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal));
#pragma warning restore CA2254
            }

            return true;
        }

        private ILogger? Current()
        {
            var factory = Volatile.Read(ref _factory);
            if (factory is null)
            {
                return null;
            }

            var current = _current;
            if (current is { } c && ReferenceEquals(c.Factory, factory))
            {
                return c.Logger;
            }

            try
            {
                var logger = factory.CreateLogger(name);
                _current = (factory, logger);
                return logger;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
        }
    }
}
