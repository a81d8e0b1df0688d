using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SweetsStore.Bench.Load;

/// <summary>What an assign answered.</summary>
internal sealed record AssignAnswer(long CourierId, long[] OrderIds, string? AssignTime);

/// <summary>The HTTP side: one pooled client, bodies prepared before timing starts.</summary>
internal sealed class Api : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;

    public Api(string baseUrl, int connections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(15) };
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public async Task<(HttpStatusCode Status, string Body, HttpResponseHeaders Headers)> SendAsync(
        HttpMethod method, string path, byte[]? body = null, string contentType = "application/json", CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return (response.StatusCode, text, response.Headers);
    }

    /// <summary>POSTs a JSON body and returns the status; throws with the body when <paramref name="expected"/> differs.</summary>
    public async Task<string> PostAsync(string path, byte[] body, HttpStatusCode expected, CancellationToken ct = default)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        using var response = await _http.PostAsync(path, content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {Truncate(text)}");
        }

        return text;
    }

    public async Task<AssignAnswer> AssignAsync(long courierId, CancellationToken ct = default)
    {
        var text = await PostAsync("/orders/assign", Encoding.UTF8.GetBytes($"{{\"courier_id\":{courierId}}}"), HttpStatusCode.OK, ct);
        using var doc = JsonDocument.Parse(text);
        var orders = doc.RootElement.GetProperty("orders");
        var ids = new long[orders.GetArrayLength()];
        var i = 0;
        foreach (var order in orders.EnumerateArray())
        {
            ids[i++] = order.GetProperty("id").GetInt64();
        }

        var time = doc.RootElement.TryGetProperty("assign_time", out var t) ? t.GetString() : null;
        return new AssignAnswer(courierId, ids, time);
    }

    public Task CompleteAsync(long courierId, long orderId, string completeTime, CancellationToken ct = default) =>
        PostAsync("/orders/complete",
            Encoding.UTF8.GetBytes($"{{\"courier_id\":{courierId},\"order_id\":{orderId},\"complete_time\":\"{completeTime}\"}}"),
            HttpStatusCode.OK, ct);

    /// <summary>GET returning the status and the raw body (read completely, as a client would).</summary>
    public async Task<(HttpStatusCode Status, byte[] Body)> GetAsync(string path, CancellationToken ct = default)
    {
        using var response = await _http.GetAsync(path, ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        return (response.StatusCode, body);
    }

    /// <summary>
    /// The API's coalescing tallies from <c>GET /metrics</c> (<c>sweetsstore_write_transactions_total</c> and
    /// <c>sweetsstore_write_requests_total</c> of <paramref name="kind"/>: assign or complete); zeros when the API does
    /// not serve them (an older build) or the scrape is refused.
    /// </summary>
    public async Task<(double Transactions, double Requests)> WriteTallyAsync(string kind, CancellationToken ct = default)
    {
        var (status, body) = await GetAsync("/metrics", ct);
        if (status != HttpStatusCode.OK)
        {
            return (0, 0);
        }

        var text = Encoding.UTF8.GetString(body);
        double Read(string name)
        {
            var match = System.Text.RegularExpressions.Regex.Match(text,
                $@"^{name}\{{[^}}]*kind=""{kind}""[^}}]*\}} (\S+)", System.Text.RegularExpressions.RegexOptions.Multiline);
            return match.Success ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }

        return (Read("sweetsstore_write_transactions_total"), Read("sweetsstore_write_requests_total"));
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var (status, _) = await GetAsync("/health/ready");
                if (status == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{BaseAddress} not ready after {timeout}");
            }

            await Task.Delay(200);
        }
    }

    public static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    public void Dispose() => _http.Dispose();
}
