using System.Net;
using System.Text.Json;

namespace SweetsStore.Tests.Http;

/// <summary>Every line a request logs carries that request's trace id (the one in its X-Trace-Id header).</summary>
public partial class StartupLogTests
{
    [Fact]
    public async Task AJsonLineLoggedDuringARequestCarriesItsTraceId()
    {
        using var api = ApiProcess.Start(terminal: false);
        var traceId = await RefusedImportAsync(await api.ListeningAsync());

        var line = await api.WaitForAsync(l => l.Contains("\"Refused POST /imports/orders", StringComparison.Ordinal));

        var entry = JsonDocument.Parse(line).RootElement;
        Assert.Equal("SweetsStore.Api.Infrastructure.OperatorAccess", entry.GetProperty("Category").GetString());
        Assert.Contains(entry.GetProperty("Scopes").EnumerateArray(),
            s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var id) && id.GetString() == traceId);
    }

    [Fact]
    public async Task AReadableLineLoggedDuringARequestCarriesItsTraceId()
    {
        using var api = ApiProcess.Start(terminal: true);
        var traceId = await RefusedImportAsync(await api.ListeningAsync());

        var line = Colours().Replace(await api.WaitForAsync(l => l.Contains("Refused POST /imports/orders", StringComparison.Ordinal)), "");

        Assert.Contains($"TraceId:{traceId}", line);
        Assert.Contains("info: SweetsStore.Api.Infrastructure.OperatorAccess", line);

        // The request's own line ends with its trace id already: no scopes before it.
        var access = Colours().Replace(await api.WaitForAsync(l => l.Contains("RequestLogging", StringComparison.Ordinal) && l.Contains("/imports/orders", StringComparison.Ordinal)), "");
        Assert.Matches($@"^\d{{4}}-\d\d-\d\dT[0-9:.]+Z info: SweetsStore\.Api\.Infrastructure\.RequestLogging\[0\] POST /imports/orders 401 [0-9.]+ ms {traceId}\r?$", access);
    }

    // A request that logs a line of its own besides the access line: an import refused as it came through a proxy.
    private static async Task<string> RefusedImportAsync(string url)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/imports/orders") { Content = new StringContent("""{"data": []}""") };
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("X-Trace-Id"));
    }
}
