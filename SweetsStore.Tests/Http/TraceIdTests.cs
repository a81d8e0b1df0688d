using System.Net;
using System.Text.Json.Nodes;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>Every answer, errors above all, carries the trace id in X-Trace-Id, the same as an error body's trace_id.</summary>
public class TraceIdTests(ApiFactory api) : ApiTest(api)
{
    [Theory]
    [InlineData("GET", "/couriers/99", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/no/such/path", null, HttpStatusCode.NotFound)]
    [InlineData("POST", "/orders/assign", """{"courier_id": 99}""", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/couriers", """{"data": [{"courier_id": 1}]}""", HttpStatusCode.BadRequest)]
    public async Task AnErrorCarriesItsTraceIdInTheHeader(string method, string path, string? body, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        using var response = await Client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        var header = Assert.Single(response.Headers.GetValues("X-Trace-Id"));
        Assert.False(string.IsNullOrWhiteSpace(header));
        var traceId = (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["trace_id"];
        if (status != HttpStatusCode.BadRequest)
        {
            Assert.Equal(header, traceId);
        }
    }

    [Fact]
    public async Task ASuccessCarriesOneToo()
    {
        using var response = await Client.GetAsync("/health/live");

        Assert.False(string.IsNullOrWhiteSpace(Assert.Single(response.Headers.GetValues("X-Trace-Id"))));
    }
}
