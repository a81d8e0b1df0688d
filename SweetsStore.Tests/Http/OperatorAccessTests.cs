using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>
/// The API with a key, loopback trusted, and a proxy at 10.0.0.5 (and the network 192.168.7.0/24) configured. The test
/// server has no sockets: the connection's address is taken from the test-only <c>X-Test-Peer</c> header, set before
/// the application's own pipeline runs (so the forwarded-headers middleware sees it as the peer).
/// </summary>
public sealed class OperatorAccessFactory : ApiFactory
{
    public const string Key = "operator-key-0123456789abcdef";

    public CapturingLoggerProvider Logs { get; } = new(LogLevel.Information);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Jobs:Enabled", "false"),
        new("Security:ApiKey", Key),
        new("Security:TrustLoopback", "true"),
        new("Security:KnownProxies", "10.0.0.5, 192.168.7.0/24"),
        new("Logging:LogLevel:SweetsStore.Api.Infrastructure.OperatorAccess", "Information"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(l => l.AddProvider(Logs));
        builder.ConfigureServices(s => s.AddSingleton<IStartupFilter, PeerFromHeader>());
    }

    internal sealed class PeerFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, then) =>
            {
                if (context.Request.Headers.Remove("X-Test-Peer", out var peer))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
                }

                return then(context);
            });
            next(app);
        };
    }
}

/// <summary>Contract section 10.5: who may use the operator endpoints (here <c>POST /imports/orders</c>).</summary>
public class OperatorAccessTests(OperatorAccessFactory api) : IClassFixture<OperatorAccessFactory>, IAsyncLifetime
{
    private const string Import = "{\"data\": [{\"order_id\": 1, \"weight\": 1, \"region\": 1, \"delivery_hours\": [\"09:00-18:00\"]}]}";

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")] // a dual-stack listener's view of 127.0.0.1
    public async Task ADirectLoopbackRequestNeedsNoKeyWhileLoopbackIsTrusted(string peer)
    {
        var reply = await PostAsync(api, ("X-Test-Peer", peer));

        Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
    }

    [Fact]
    public async Task WithLoopbackTrustOffADirectLoopbackRequestNeedsTheKey()
    {
        using var untrusting = api.WithWebHostBuilder(b => b.UseSetting("Security:TrustLoopback", "false"));

        var refused = await PostAsync(untrusting, ("X-Test-Peer", "127.0.0.1"));
        var keyed = await PostAsync(untrusting, ("X-Test-Peer", "127.0.0.1"), ("X-Api-Key", OperatorAccessFactory.Key));

        await AssertRefusedAsync(refused, "send this server's key (Security__ApiKey) in the X-Api-Key header");
        Assert.Equal(HttpStatusCode.Accepted, keyed.StatusCode);
    }

    [Fact]
    public async Task LoopbackTrustIsOffUnlessConfigured()
    {
        using var defaults = api.WithWebHostBuilder(b => b.UseSetting("Security:TrustLoopback", null));

        await AssertRefusedAsync(await PostAsync(defaults, ("X-Test-Peer", "127.0.0.1")), "X-Api-Key");
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("X-Forwarded-For", "127.0.0.1")]
    [InlineData("Forwarded", "for=127.0.0.1")]
    [InlineData("X-Real-IP", "127.0.0.1")]
    [InlineData("X-Original-For", "127.0.0.1:5000")]
    [InlineData("True-Client-IP", "127.0.0.1")] // these five were trusted as local (found by an operator probe)
    [InlineData("CF-Connecting-IP", "127.0.0.1")]
    [InlineData("X-Client-IP", "1.2.3.4")]
    [InlineData("X-Forwarded", "for=127.0.0.1")]
    [InlineData("Forwarded-For", "127.0.0.1")]
    public async Task ALoopbackRequestWithAProxysHeadersIsNeverTrustedAsLocal(string header, string value)
    {
        // nginx on the same machine: every request it passes on comes from loopback, with its headers.
        var reply = await PostAsync(api, ("X-Test-Peer", "127.0.0.1"), (header, value));

        await AssertRefusedAsync(reply, $"a request that came through a proxy ({header}) is never trusted as local");
        Assert.Equal(0L, await api.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    [Fact]
    public async Task AKnownProxyForwardingARemoteClientIsJudgedByThatClient()
    {
        var refused = await PostAsync(api, ("X-Test-Peer", "10.0.0.5"), ("X-Forwarded-For", "203.0.113.7"));
        var keyed = await PostAsync(api, ("X-Test-Peer", "192.168.7.20"), ("X-Forwarded-For", "203.0.113.8"),
            ("X-Api-Key", OperatorAccessFactory.Key));

        await AssertRefusedAsync(refused, "X-Api-Key");
        Assert.Equal(HttpStatusCode.Accepted, keyed.StatusCode);
        // The refusal names the client the proxy named, and the proxy.
        Assert.Contains(api.Logs.Messages, m => m.StartsWith("Refused POST /imports/orders from 203.0.113.7 (forwarded by 10.0.0.5", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("203.0.113.7, 127.0.0.1")]
    public async Task AKnownProxyForwardingALoopbackLookingClientIsNotLocal(string forwardedFor)
    {
        // The proxy's forwarded-headers rewrite leaves a loopback remote address and no X-Forwarded-For: what
        // remains is X-Original-For, the mark of a forwarded request.
        var reply = await PostAsync(api, ("X-Test-Peer", "10.0.0.5"), ("X-Forwarded-For", forwardedFor));

        await AssertRefusedAsync(reply, "X-Api-Key");
    }

    [Fact]
    public async Task AProxyThatIsNotConfiguredIsNotBelieved()
    {
        // 10.9.9.9 is not a known proxy: its X-Forwarded-For is not applied, and the request is not local anyway.
        var reply = await PostAsync(api, ("X-Test-Peer", "10.9.9.9"), ("X-Forwarded-For", "127.0.0.1"));

        await AssertRefusedAsync(reply, "X-Api-Key");
        Assert.Contains(api.Logs.Messages, m => m.StartsWith("Refused POST /imports/orders from 10.9.9.9 (with X-Forwarded-For)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("127.0.0.1")] // a wrong key is refused even from loopback: the client meant to use a key
    public async Task AWrongKeyIsRefused(string peer)
    {
        var reply = await PostAsync(api, ("X-Test-Peer", peer), ("X-Api-Key", OperatorAccessFactory.Key + "x"));

        await AssertRefusedAsync(reply, "the X-Api-Key header does not match this server's key (Security__ApiKey)");
        Assert.Contains(api.Logs.Messages, m => m.StartsWith($"Refused POST /imports/orders from {peer}", StringComparison.Ordinal) && m.EndsWith("wrong X-Api-Key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheRightKeyIsAcceptedFromAnywhere()
    {
        var remote = await PostAsync(api, ("X-Test-Peer", "203.0.113.7"), ("X-Api-Key", OperatorAccessFactory.Key));
        var proxied = await PostAsync(api, ("X-Test-Peer", "127.0.0.1"), ("X-Forwarded-For", "203.0.113.7"), ("X-Api-Key", OperatorAccessFactory.Key));

        Assert.Equal(HttpStatusCode.Accepted, remote.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, proxied.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("some-key-0123456789abcdef")] // said "does not match this server's key" (found by a probe)
    public async Task WithoutAKeyConfiguredTheRefusalSaysHowToSetOne(string? sent)
    {
        using var keyless = api.WithWebHostBuilder(b => b.UseSetting("Security:ApiKey", ""));
        (string, string)[] headers = sent is null ? [("X-Test-Peer", "203.0.113.7")] : [("X-Test-Peer", "203.0.113.7"), ("X-Api-Key", sent)];

        await AssertRefusedAsync(await PostAsync(keyless, headers),
            "this endpoint needs an API key and this server has none: set Security__ApiKey on the server, then send that key in the X-Api-Key header");
    }

    [Theory]
    [InlineData("ApiKey", "short", "Security__ApiKey: must be at least 16 visible ASCII characters")]
    [InlineData("ApiKey", "a key with spaces in it", "Security__ApiKey: must be at least 16 visible ASCII characters")]
    [InlineData("ApiKey", "CHANGE-ME-openssl-rand-hex-32", "Security__ApiKey: still the template's placeholder")]
    [InlineData("TrustLoopback", "maybe", "Security__TrustLoopback: must be true or false, not \"maybe\"")]
    [InlineData("KnownProxies", "10.0.0.5, nginx", "Security__KnownProxies: \"nginx\" is neither an IP address nor a CIDR network")]
    [InlineData("KnownProxies", "10.0.0.0/99", "Security__KnownProxies: \"10.0.0.0/99\" is neither an IP address nor a CIDR network")]
    public void ANonsenseSettingIsNamedInOneLine(string key, string value, string expected)
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection([new($"Security:{key}", value)]).Build().GetSection("Security");

        SecurityOptions.Load(section, out var error);

        Assert.NotNull(error);
        Assert.StartsWith(expected, error);
        Assert.DoesNotContain('\n', error);
        Assert.DoesNotContain(value == "short" ? "short" : "\0", error); // the key itself is never echoed
    }

    [Fact]
    public void SensibleSettingsAreRead()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(
        [
            new("Security:ApiKey", "0123456789abcdef"),
            new("Security:TrustLoopback", "True"),
            new("Security:KnownProxies:0", "10.0.0.5"),
            new("Security:KnownProxies:1", "fd00::/8"),
        ]).Build().GetSection("Security");

        var options = SecurityOptions.Load(section, out var error);

        Assert.Null(error);
        Assert.Equal("0123456789abcdef", options.ApiKey);
        Assert.True(options.TrustLoopback);
        Assert.Equal([IPAddress.Parse("10.0.0.5")], options.KnownProxies);
        Assert.Equal([IPNetwork.Parse("fd00::/8")], options.KnownNetworks);
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage reply, string detail)
    {
        var body = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.StatusCode == HttpStatusCode.Unauthorized, $"expected 401, got {(int)reply.StatusCode}: {body}");
        var json = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        Assert.Equal("Unauthorized", (string?)json["title"]);
        Assert.Equal(401, (int)json["status"]!);
        Assert.Contains(detail, (string?)json["detail"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)json["trace_id"]));
        Assert.Equal("ApiKey header=\"X-Api-Key\"", reply.Headers.WwwAuthenticate.ToString());
    }

    private static async Task<HttpResponseMessage> PostAsync(
        Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory, params (string Name, string Value)[] headers)
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/imports/orders") { Content = new StringContent(Import, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
