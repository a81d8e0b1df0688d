using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Telemetry;

/// <summary>The API with metrics off.</summary>
public sealed class MetricsOffFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [.. base.Settings, new("Telemetry:Metrics", "false"), new("Security:ApiKey", MetricsFactory.Key)];
}

/// <summary><c>Telemetry:Metrics=false</c> turns every metric off: no <c>/metrics</c>, no live charts.</summary>
public class MetricsOffTests(MetricsOffFactory api) : ApiTest(api), IClassFixture<MetricsOffFactory>
{
    [Fact]
    public async Task ThereIsNoMetricsEndpointAndTheLiveChartsSaySo()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-Api-Key", MetricsFactory.Key);
        using var metrics = await Client.SendAsync(request);
        var live = (await GetAsync("/stats/live")).Expect(HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.False((bool)live["metrics"]!);
        Assert.Empty(live["assigns_per_second"]!.AsArray());
        // The store works as before.
        (await PostAsync("/couriers", new { data = new[] { Fake.Courier(1).Build() } })).Expect(HttpStatusCode.Created);
        (await PostAsync("/orders", new { data = new[] { Fake.Order(1).Build() } })).Expect(HttpStatusCode.Created);
        (await PostAsync("/orders/assign", new { courier_id = 1 })).Expect(HttpStatusCode.OK);
    }
}

/// <summary>Telemetry settings are checked at start; OTLP export happens only when an endpoint is set.</summary>
public class TelemetrySettingsTests
{
    // A bad Telemetry or Dashboard setting stops the start naming it: SettingsTests, as for every other setting.

    [Fact]
    public async Task WithAnOtlpEndpointTracesAndMetricsAreSentThere()
    {
        await using var collector = await FakeCollector.StartAsync();
        var api = new OtlpFactory(collector.Url);
        await api.InitializeAsync();
        try
        {
            await SendAndWaitAsync(api, collector);
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }

    private static async Task SendAndWaitAsync(ApiFactory api, FakeCollector collector)
    {
        using var client = api.CreateClient();
        using var response = await client.PostAsJsonAsync("/couriers", new { data = new[] { Fake.Courier(1).Build() } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        // Metrics every second (Telemetry:OtlpExportSeconds); traces in the exporter's batches (every 5 s).
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(collector.Received.Contains("/v1/metrics") && collector.Received.Contains("/v1/traces")) && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }

        Assert.Contains("/v1/metrics", collector.Received);
        Assert.Contains("/v1/traces", collector.Received);
        Assert.All(collector.ContentTypes, t => Assert.Equal("application/x-protobuf", t));
    }

    [Fact]
    public async Task WithoutAnOtlpEndpointNoTraceIsRecorded()
    {
        var api = new ApiFactory();
        await api.InitializeAsync();
        try
        {
            using var client = api.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);

            Assert.Null(api.Services.GetService<OpenTelemetry.Trace.TracerProvider>());
            Assert.NotNull(api.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }

    private sealed class OtlpFactory(string endpoint) : ApiFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            .. base.Settings,
            new("Telemetry:OtlpEndpoint", endpoint),
            new("Telemetry:OtlpProtocol", "http/protobuf"),
            new("Telemetry:OtlpExportSeconds", "1"),
        ];
    }

    /// <summary>An OpenTelemetry collector's OTLP/HTTP side on a loopback port: takes every POST, keeps its path.</summary>
    private sealed class FakeCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeCollector(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public ConcurrentBag<string> Received { get; } = [];

        public ConcurrentBag<string> ContentTypes { get; } = [];

        public static async Task<FakeCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            FakeCollector? collector = null;
            app.Run(async http =>
            {
                await http.Request.Body.CopyToAsync(Stream.Null);
                collector!.Received.Add(http.Request.Path.Value ?? "");
                collector.ContentTypes.Add(http.Request.ContentType ?? "");
                http.Response.StatusCode = StatusCodes.Status200OK;
            });
            await app.StartAsync();
            var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            collector = new FakeCollector(app, url);
            return collector;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
