using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Small body limits and a tight rate limit, to see 413 and 429 without sending megabytes. On real Kestrel:
/// the in-memory test server does not enforce body size limits.
/// </summary>
public sealed class TightLimitsFactory : ApiFactory
{
    public TightLimitsFactory() => UseKestrel(0);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Jobs:Enabled", "false"),
        new("Limits:DefaultBodyBytes", "2048"),
        new("Limits:BodyBytes:Orders", "4096"),
        new("RateLimiting:Enabled", "true"),
        new("RateLimiting:Policies:assign:PermitLimit", "3"),
        new("RateLimiting:Policies:assign:WindowSeconds", "600"),
        new("Security:TrustLoopback", "true"), // its raw-socket client is on loopback, as with ./run.sh
    ];
}

public class LimitsTests(TightLimitsFactory api) : IClassFixture<TightLimitsFactory>, IAsyncLifetime
{
    private readonly HttpClient _client = api.CreateClient();

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AnOversizedImportIs413WithAJsonErrorAndStoresNothing()
    {
        var body = "{\"data\": [" + string.Join(",", Enumerable.Range(1, 100).Select(i => $"{{\"order_id\": {i}, \"weight\": 1, \"region\": 1, \"delivery_hours\": [\"09:00-18:00\"]}}")) + "]}";
        Assert.True(body.Length > 4096);

        var reply = await _client.PostAsync("/orders", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.StatusCode);
        var json = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
        Assert.Equal(413, (int)json["status"]!);
        Assert.NotNull(json["trace_id"]);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task AChunkedBodyWithoutLengthIsCutOffToo()
    {
        // Kestrel answers 413 and closes the connection while the client may still be sending the rest of the body:
        // the client then sometimes sees a broken pipe instead of the answer (HTTP/1.1 has no better way). A transport
        // error is tried again on a new connection; any answer must be the 413.
        for (var attempt = 1; ; attempt++)
        {
            var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"courier_id\": 1, \"pad\": \"" + new string('x', 10_000) + "\"}")));
            content.Headers.ContentType = new("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/orders/complete") { Content = content };
            request.Headers.TransferEncodingChunked = true;
            HttpResponseMessage reply;
            try
            {
                reply = await _client.SendAsync(request);
            }
            catch (HttpRequestException) when (attempt < 5)
            {
                continue;
            }

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.StatusCode);
            return;
        }
    }

    [Fact]
    public async Task AnImportWithinItsOwnLimitIsAccepted()
    {
        var body = "{\"data\": [" + string.Join(",", Enumerable.Range(1, 30).Select(i => $"{{\"order_id\": {i}, \"weight\": 1, \"region\": 1, \"delivery_hours\": [\"09:00-18:00\"]}}")) + "]}";
        Assert.True(body.Length is > 2048 and < 4096);

        var reply = await _client.PostAsync("/orders", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
    }

    [Theory]
    [InlineData("/orders/complete")]
    [InlineData("/couriers")]
    [InlineData("/imports/orders")]
    public async Task AChunkSizeThatOverflowsIs400NotA500(string path)
    {
        // Kestrel throws a plain IOException ("Bad chunk size data.") for this, not a BadHttpRequestException;
        // the reliability suite's raw-socket run found it answered 500. Only a raw socket can send it.
        var (status, body) = await RawAsync(
            $"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n{{}}\r\n0\r\n\r\n");

        Assert.Equal(400, status);
        Assert.Equal("could not be read", (string)JsonNode.Parse(body)!["validation_error"]!["errors"]!["body"]![0]!);
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM couriers") + await api.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    [Fact]
    public async Task ABodyThatStopsArrivingIs408InTheProblemShape()
    {
        // Content-Length promises 100 bytes and 11 come: Kestrel's minimum data rate gives up after its 5 s grace.
        // It is not a validation error, so not the validation_error envelope (it was).
        var (status, body) = await RawAsync(
            "POST /couriers HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":[]}");

        var problem = JsonNode.Parse(body)!;
        Assert.Equal(408, status);
        Assert.Equal(408, (int)problem["status"]!);
        Assert.Equal("the request body did not arrive in time", (string?)problem["detail"]);
        Assert.Null(problem["validation_error"]);
    }

    [Fact]
    public async Task AHeaderValueThatIsNotUtf8ReachesTheApi()
    {
        // 0xE9 alone is Latin-1's é, not UTF-8: Kestrel answered its own empty 400 (found by an idempotency probe).
        // An Idempotency-Key with it gets the contract's 400 naming the header; another header is left alone.
        var (status, body) = await RawAsync(Encoding.Latin1.GetBytes(
            "POST /couriers HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nIdempotency-Key: caf\u00e9\r\nContent-Length: 11\r\n\r\n{\"data\":[]}"));
        var (other, otherBody) = await RawAsync(Encoding.Latin1.GetBytes(
            "GET /couriers/1 HTTP/1.1\r\nHost: localhost\r\nX-Note: caf\u00e9\r\n\r\n"));

        Assert.Equal(400, status);
        Assert.Equal("""{"validation_error":{"couriers":[],"errors":{"Idempotency-Key":["must be 1 to 255 visible ASCII characters"]}}}""", body);
        Assert.Equal(404, other);
        Assert.Equal(404, (int)JsonNode.Parse(otherBody)!["status"]!);
    }

    [Fact]
    public async Task BeyondTheRateLimitAnswers429AndOtherEndpointsGoOn()
    {
        await _client.PostAsync("/couriers", new StringContent("{\"data\": [{\"courier_id\": 1, \"courier_type\": \"foot\", \"regions\": [1], \"working_hours\": [\"09:00-18:00\"]}]}", Encoding.UTF8, "application/json"));
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 5; i++)
        {
            last = await _client.PostAsync("/orders/assign", new StringContent("{\"courier_id\": 1}", Encoding.UTF8, "application/json"));
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, (HttpStatusCode)429, (HttpStatusCode)429], statuses);
        Assert.True(last!.Headers.RetryAfter is not null);
        Assert.Equal(429, (int)JsonNode.Parse(await last.Content.ReadAsStringAsync())!["status"]!);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/couriers/1")).StatusCode);
    }

    private Task<(int Status, string Body)> RawAsync(string request) => RawAsync(Encoding.ASCII.GetBytes(request));

    /// <summary>Sends bytes as they are to the real Kestrel and reads one response (its body de-chunked).</summary>
    private async Task<(int Status, string Body)> RawAsync(byte[] request)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(_client.BaseAddress!.Host, _client.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(request);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var status = int.Parse((await reader.ReadLineAsync())!.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var chunked = false;
        var length = 0;
        string? line;
        while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
        {
            chunked |= line.Equals("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase);
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var body = new StringBuilder();
        if (length > 0)
        {
            var content = new char[length]; // the API's error bodies are ASCII: one char per byte
            await reader.ReadBlockAsync(content);
            body.Append(content);
        }
        else if (chunked)
        {
            int size;
            while ((size = Convert.ToInt32(await reader.ReadLineAsync(), 16)) > 0)
            {
                var chunk = new char[size];
                await reader.ReadBlockAsync(chunk);
                body.Append(chunk);
                await reader.ReadLineAsync();
            }
        }

        return (status, body.ToString());
    }
}
