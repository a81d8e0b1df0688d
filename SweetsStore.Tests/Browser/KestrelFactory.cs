using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Browser;

/// <summary>The real API on a real loopback port (Kestrel), with background workers, for a real browser.</summary>
public sealed class KestrelFactory : ApiFactory
{
    public string BaseUrl { get; private set; } = "";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Jobs:Enabled", "true"),
        new("Jobs:PollSeconds", "0.2"),
        new("Security:TrustLoopback", "true"), // the test starts imports from loopback, as on ./run.sh
        new("Dashboard:RegionsSeconds", "1"),
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.Single().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
    }
}

/// <summary>
/// The browser tests run alone, after the parallel classes: one loads about a million orders, and its calibration should
/// measure this machine, not the other tests (nor should it slow their timing-sensitive checks).
/// </summary>
[CollectionDefinition("Browser", DisableParallelization = true)]
public sealed class BrowserCollection;
