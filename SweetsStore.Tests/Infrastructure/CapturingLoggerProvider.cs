using Microsoft.Extensions.Logging;

namespace SweetsStore.Tests.Infrastructure;

/// <summary>A logger provider that keeps the formatted messages at or above <c>minimum</c>, for assertions.</summary>
public sealed class CapturingLoggerProvider(LogLevel minimum = LogLevel.Warning) : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Message, Exception? Exception)> _entries = new();

    public IEnumerable<string> Messages => _messages;

    /// <summary>Each message with the exception logged with it.</summary>
    public IEnumerable<(string Message, Exception? Exception)> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(_messages, _entries, minimum);

    public void Dispose()
    {
    }

    private sealed class Logger(
        System.Collections.Concurrent.ConcurrentQueue<string> messages,
        System.Collections.Concurrent.ConcurrentQueue<(string, Exception?)> entries,
        LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                var message = formatter(state, exception);
                messages.Enqueue(message);
                entries.Enqueue((message, exception));
            }
        }
    }
}
