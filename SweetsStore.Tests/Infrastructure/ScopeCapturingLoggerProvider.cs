using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SweetsStore.Tests.Infrastructure;

/// <summary>
/// Keeps every entry at or above <c>minimum</c> with the scopes it was logged in, as the console logger would print
/// them with <c>IncludeScopes</c> (the host's scope provider, with its activity tracking: trace and span ids).
/// </summary>
public sealed class ScopeCapturingLoggerProvider(LogLevel minimum = LogLevel.Information) : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly LogLevel _minimum = minimum;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IEnumerable<Entry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    /// <summary>An entry: its level, category, message, and the key/value pairs of its scopes (outermost first).</summary>
    public sealed record Entry(LogLevel Level, string Category, string Message, IReadOnlyList<KeyValuePair<string, object?>> Scope)
    {
        public object? this[string key] => Scope.LastOrDefault(p => p.Key == key).Value;
    }

    private sealed class Logger(ScopeCapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var scope = new List<KeyValuePair<string, object?>>();
            provider._scopes.ForEachScope(
                (value, list) =>
                {
                    if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        list.AddRange(pairs);
                    }
                    else if (value is not null)
                    {
                        list.Add(new KeyValuePair<string, object?>("", value.ToString()));
                    }
                },
                scope);
            provider._entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), scope));
        }
    }
}
