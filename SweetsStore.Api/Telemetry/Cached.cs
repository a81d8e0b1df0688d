namespace SweetsStore.Api.Telemetry;

/// <summary>
/// A value read from the database at most once per <c>maxAge</c>, however many ask: callers that find it stale share
/// one load (never cancelled by any one of them), and a failed load leaves the last value in place. Its age is read
/// from <paramref name="time"/>'s timestamps (the system's monotonic clock unless a test gives its own).
/// </summary>
public sealed class Cached<T>(Func<CancellationToken, Task<T>> load, TimeSpan maxAge, TimeProvider? time = null)
    where T : class
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private T? _value;
    private long _loadedAt;
    private Task<T>? _loading;

    /// <summary>The last value loaded (null before the first load ends), without waiting or loading.</summary>
    public T? Peek() => Volatile.Read(ref _value);

    /// <summary>Seconds since the last successful load, or null before it.</summary>
    public double? AgeSeconds
    {
        get
        {
            lock (_gate)
            {
                return _value is null ? null : _time.GetElapsedTime(_loadedAt).TotalSeconds;
            }
        }
    }

    /// <summary>The value, loaded first when it is older than the age allowed (or missing).</summary>
    public Task<T> GetAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_value is not null && _time.GetElapsedTime(_loadedAt) < maxAge)
            {
                return Task.FromResult(_value);
            }

            if (_loading is null || _loading.IsCompleted)
            {
                _loading = LoadAsync();
            }

            return _loading.WaitAsync(ct);
        }
    }

    /// <summary>Starts a load when the value is stale and none runs; returns at once (for synchronous readers).</summary>
    public void RefreshIfStale()
    {
        var pending = GetAsync(CancellationToken.None);
        if (!pending.IsCompleted)
        {
            pending.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        }
    }

    private async Task<T> LoadAsync()
    {
        try
        {
            var value = await load(CancellationToken.None);
            lock (_gate)
            {
                _value = value;
                _loadedAt = _time.GetTimestamp();
            }

            return value;
        }
        finally
        {
            lock (_gate)
            {
                _loading = null;
            }
        }
    }
}
