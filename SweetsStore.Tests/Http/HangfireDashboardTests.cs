using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Http;

/// <summary>The API on real Kestrel, on every address of this machine, with its Hangfire servers and an API key.</summary>
public sealed class AnyAddressFactory : ApiFactory
{
    public const string ApiKey = "dashboard-key-0123456789";

    public int Port { get; private set; }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Jobs:Enabled", "true"),
        new("Security:ApiKey", ApiKey),
        new("Security:TrustLoopback", "true"), // as under ./run.sh: a request straight from loopback needs no key
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        UseKestrel(o => o.Listen(IPAddress.Any, 0));
        StartServer();
        Port = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
    }

    /// <summary>This machine's first IPv4 address that is not loopback: a client from there is not local.</summary>
    public static IPAddress MachineAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("this machine has no non-loopback IPv4 address to test a non-local client from");
}

/// <summary>Hangfire's dashboard at <c>/hangfire</c>: for operators only (loopback, or the API key), and it keeps secrets.</summary>
public class HangfireDashboardTests(AnyAddressFactory api) : IClassFixture<AnyAddressFactory>
{
    [Fact]
    public async Task FromLoopbackItAnswers()
    {
        using var client = Client(IPAddress.Loopback);

        using var response = await client.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("SweetsStore jobs", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task FromAnotherAddressWithoutTheKeyItIsRefused()
    {
        using var client = Client(AnyAddressFactory.MachineAddress());

        using var response = await client.GetAsync("/hangfire");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("ApiKey header=\"X-Api-Key\"", response.Headers.WwwAuthenticate.ToString());
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"status\":401", body);
        Assert.DoesNotContain("Hangfire", body);

        // Its files and its JSON (the stats it polls) too.
        using var stats = await client.PostAsync("/hangfire/stats", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Unauthorized, stats.StatusCode);
    }

    [Fact]
    public async Task FromAnotherAddressWithTheKeyItAnswers()
    {
        using var client = Client(AnyAddressFactory.MachineAddress());
        client.DefaultRequestHeaders.Add("X-Api-Key", AnyAddressFactory.ApiKey);

        using var response = await client.GetAsync("/hangfire/servers");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/hangfire")]
    [InlineData("/hangfire/servers")]
    [InlineData("/hangfire/jobs/enqueued")]
    [InlineData("/hangfire/recurring")]
    public async Task ItShowsNoConnectionString(string path)
    {
        using var client = Client(IPAddress.Loopback);
        var connection = new NpgsqlConnectionStringBuilder(api.ConnectionString);

        var html = await client.GetStringAsync(path);

        Assert.Contains("SweetsStore jobs", html);
        Assert.DoesNotContain(connection.Password!, html);
        Assert.DoesNotContain(connection.Database!, html);
        Assert.DoesNotContain($"{connection.Host}:{connection.Port}", html);
        Assert.DoesNotContain("Host=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Password", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("PostgreSQL Server:", html);
    }

    [Fact]
    public async Task ItListsThisProcesssServersAndTheRecurringMaintenance()
    {
        using var client = Client(IPAddress.Loopback);

        // The servers announce themselves, and register the recurring jobs, within moments of the host's start.
        var until = DateTime.UtcNow.AddSeconds(60);
        string servers, recurring;
        while (true)
        {
            servers = await client.GetStringAsync("/hangfire/servers");
            recurring = await client.GetStringAsync("/hangfire/recurring");
            if ((servers.Contains(".maintenance:", StringComparison.Ordinal) && servers.Contains(".imports:", StringComparison.Ordinal)
                 && recurring.Contains("imports-purge", StringComparison.Ordinal)) || DateTime.UtcNow > until)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Contains($"{Environment.MachineName}.imports:{Environment.ProcessId}:".ToLowerInvariant(), servers.ToLowerInvariant());
        Assert.Contains($"{Environment.MachineName}.maintenance:{Environment.ProcessId}:".ToLowerInvariant(), servers.ToLowerInvariant());
        Assert.Contains("imports-requeue-orphans", recurring);
        Assert.Contains("imports-purge", recurring);
    }

    [Fact]
    public async Task TheOperatorDashboardLinksToIt()
    {
        using var client = Client(IPAddress.Loopback);

        var page = await client.GetStringAsync("/dashboard");

        Assert.Contains("href=\"/hangfire\"", page);
    }

    private HttpClient Client(IPAddress address) =>
        new() { BaseAddress = new Uri($"http://{address}:{api.Port}"), Timeout = TimeSpan.FromSeconds(30) };
}
