using System.Diagnostics;
using System.Net;
using System.Text;

namespace SweetsStore.Reliability;

/// <summary>One HTTP exchange as a client saw it. <see cref="Status"/> 0: no answer (refused, reset, timed out).</summary>
public readonly record struct Reply(int Status, string Body, double Milliseconds, string? ContentType, bool RetryAfter, string? Transport)
{
    public bool IsJson => ContentType is not null && ContentType.StartsWith("application/json", StringComparison.Ordinal);
}

/// <summary>An HttpClient for many concurrent requests to a few API processes, timing every exchange.</summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApiClient(int connections, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler) { Timeout = timeout };
    }

    public Task<Reply> GetAsync(string url) => SendAsync(HttpMethod.Get, url, null);

    public Task<Reply> PostAsync(string url, string json) => SendAsync(HttpMethod.Post, url, json);

    public Task<Reply> PatchAsync(string url, string json) => SendAsync(HttpMethod.Patch, url, json);

    public async Task<Reply> SendAsync(HttpMethod method, string url, string? json)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return new Reply((int)response.StatusCode, body, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                response.Content.Headers.ContentType?.ToString(), response.Headers.RetryAfter is not null, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            var kind = e is TaskCanceledException ? "timeout" : (e.InnerException ?? e).GetType().Name + ": " + (e.InnerException ?? e).Message;
            return new Reply(0, "", Stopwatch.GetElapsedTime(started).TotalMilliseconds, null, false, kind);
        }
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>What must never reach a client: stack traces, exception names, SQL or driver text.</summary>
public static class Leaks
{
    private static readonly string[] Markers =
    [
        "   at ", "Exception", "StackTrace", "stack trace", "Npgsql", "PostgresException", "SqlState", "SELECT ", "INSERT INTO", "UPDATE ",
        "DELETE FROM", " WHERE ", "pg_", "System.", "Microsoft.", "/src/", ".cs:line",
    ];

    /// <summary>The first marker found in <paramref name="body"/>, or null.</summary>
    public static string? Find(string body)
    {
        foreach (var marker in Markers)
        {
            if (body.Contains(marker, StringComparison.Ordinal))
            {
                return marker;
            }
        }

        return null;
    }
}
