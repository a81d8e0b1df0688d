using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>A known path with the wrong method is a 405 with <c>Allow</c>; <c>GET /</c> goes to the dashboard.</summary>
public class MethodRoutingTests(ApiFactory api) : ApiTest(api)
{
    [Theory]
    [InlineData("GET", "/orders/assign", "POST")]      // used to be a 400 about order_id: GET /orders/{order_id} matched
    [InlineData("GET", "/orders/complete", "POST")]
    [InlineData("PATCH", "/orders/assign", "POST")]    // routing alone would allow GET here too
    [InlineData("GET", "/imports/orders", "POST")]     // GET /imports/{import_id} would match
    [InlineData("GET", "/imports/couriers", "POST")]
    [InlineData("GET", "/Orders/Assign/", "POST")]     // paths are matched without case, with a trailing slash
    [InlineData("DELETE", "/couriers", "GET, POST")]
    [InlineData("PUT", "/orders", "GET, POST")]
    [InlineData("POST", "/couriers/1", "GET, PATCH")]
    [InlineData("DELETE", "/orders/1", "GET")]
    [InlineData("POST", "/stats", "GET")]
    [InlineData("POST", "/", "GET")]
    [InlineData("DELETE", "/metrics", "GET")]          // these three answered any method (found by an operator probe)
    [InlineData("PUT", "/health/live", "GET, HEAD")]
    [InlineData("POST", "/health/ready", "GET, HEAD")]
    public async Task AKnownPathWithAnotherMethodIs405WithAllow(string method, string path, string allow)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}") };
        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.MethodNotAllowed, $"{method} {path}: {(int)response.StatusCode} {body}");
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(["title", "status", "detail", "trace_id"], json.Select(p => p.Key));
        Assert.Equal("Method Not Allowed", (string?)json["title"]);
        Assert.Equal(405, (int)json["status"]!);
        Assert.Equal($"{method} is not served at {path}; it answers {allow}", (string?)json["detail"]);
        Assert.Equal(Assert.Single(response.Headers.GetValues("X-Trace-Id")), (string?)json["trace_id"]);
    }

    [Fact]
    public async Task TheRightMethodsStillWork()
    {
        (await GetAsync("/orders/7")).Expect(HttpStatusCode.NotFound);
        Assert.Equal("order_id", (await GetAsync("/orders/assignment")).Expect(HttpStatusCode.BadRequest)["validation_error"]!["errors"]!.AsObject().Single().Key);
        (await PostAsync("/orders/assign", new { courier_id = 1 })).Expect(HttpStatusCode.BadRequest); // no such courier: the contract's 400
        (await GetAsync("/couriers")).Expect(HttpStatusCode.OK);
        (await GetAsync("/imports")).Expect(HttpStatusCode.OK);
        (await GetAsync("/nowhere")).Expect(HttpStatusCode.NotFound);
    }

    [Fact]
    public void EveryEndpointNamesTheMethodsItServes()
    {
        // An endpoint without them answers every method (/metrics and /health/* did): routing cannot give the 405.
        var open = Api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is not { HttpMethods.Count: > 0 })
            .Select(e => e.RoutePattern.RawText)
            .ToArray();

        Assert.Empty(open);
    }

    [Fact]
    public async Task HeadIsServedWhereAHealthCheckIs()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/health/live");
        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TheRootRedirectsToTheDashboard()
    {
        using var client = Api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/dashboard", response.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/")).StatusCode); // followed: the dashboard's page
    }
}
