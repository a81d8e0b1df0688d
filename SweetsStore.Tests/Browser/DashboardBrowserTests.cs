using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SweetsStore.Api.Contracts;
using SweetsStore.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SweetsStore.Tests.Browser;

/// <summary>The real API on a real loopback port (Kestrel), with background workers, for a real browser.</summary>
public sealed class KestrelFactory : ApiFactory
{
    public string BaseUrl { get; private set; } = "";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Jobs:Enabled", "true"),
        new("Jobs:PollSeconds", "0.2"),
        new("Security:TrustLoopback", "true"), // the browser driver starts imports from loopback, as on ./run.sh
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
/// The browser test runs alone, after the parallel classes: it loads about a million orders, and its calibration
/// should measure this machine, not the other tests (nor should it slow their timing-sensitive checks).
/// </summary>
[CollectionDefinition("Browser", DisableParallelization = true)]
public sealed class BrowserCollection;

/// <summary>
/// Headless Debian chromium, driven by tests/browser/dashboard.mjs (Playwright), reads the dashboard of a seeded
/// store: the counts it shows equal GET /stats, its courier pages equal GET /couriers and page with Prev/Next,
/// and an import's progress bar moves. Needs /usr/bin/chromium, node and tests/browser/node_modules, which
/// ./test.sh installs first (scripts/browser-deps.sh); without them this test fails, it never skips.
/// </summary>
[Collection("Browser")]
public class DashboardBrowserTests(KestrelFactory api, ITestOutputHelper output) : IClassFixture<KestrelFactory>
{
    private const int Couriers = 60;
    private const int Orders = 300;

    // The watched import's least size; dashboard.mjs makes it bigger when a calibration import of 100k orders shows
    // this machine would load it in less than 20 s (the page notices an import within 5 s, then polls every second;
    // the job writes progress every 0.25 s). Measured on this project's 2-core machine, shared with other work:
    // a 50k calibration (0.8-1.0 s) chose 750k-940k orders, shown loaded 8-16 s after the POST with 6-8 values on
    // the way; a 100k calibration (3.0 s) chose 660k, shown loaded after 14 s with 9 values; under a load average
    // of 20, a fixed 250k took 15-20 s.
    private const int ImportOrders = 250_000;

    [Fact]
    public async Task TheDashboardShowsTheStoreAndAnImportsProgress()
    {
        using var client = new HttpClient { BaseAddress = new Uri(api.BaseUrl), Timeout = TimeSpan.FromMinutes(2) };
        var assigned = await SeedAsync(client);
        var artifacts = Environment.GetEnvironmentVariable("SWEETSSTORE_BROWSER_ARTIFACTS")
            ?? Directory.CreateTempSubdirectory("sweetsstore-dashboard-").FullName;
        Directory.CreateDirectory(artifacts);

        var (exit, stdout, stderr) = await RunNodeAsync(
            ["dashboard.mjs", api.BaseUrl, "--out", artifacts, "--import-orders", ImportOrders.ToString(), "--first-order-id", "1000001"],
            TimeSpan.FromMinutes(10));

        var result = ParseResult(stdout, stderr, exit);
        Assert.True(exit == 0 && (bool?)result["ok"] == true, $"the browser check failed: {result["error"]}\n(screenshots in {artifacts})\n{Tail(stderr)}");

        // What the page showed last equals what the API says now (nothing changes any more).
        var stats = Flatten(JsonNode.Parse(await client.GetStringAsync("/stats"))!);
        var shown = result["shownStats"]!.AsObject();
        foreach (var key in new[] { "couriers", "orders.pending", "orders.assigned", "orders.completed", "bundles.open" })
        {
            Assert.Equal(stats[key].ToString(), (string?)shown[key]!["value"]);
            Assert.Equal(stats[key].ToString("N0", System.Globalization.CultureInfo.InvariantCulture), (string?)shown[key]!["text"]);
        }

        var imported = (long)result["import"]!["imported"]!;
        Assert.True((long)result["import"]!["orders"]! >= ImportOrders);
        Assert.Equal(Orders - assigned + imported, stats["orders.pending"]);
        Assert.Equal(Enumerable.Range(1, Couriers).Select(i => (long)i), result["couriersSeen"]!.AsArray().Select(n => (long)n!));
        var moved = result["import"]!["intermediate"]!.AsArray().Select(n => (double)n!).ToArray();
        Assert.True(moved.Length >= 2, $"the bar showed {moved.Length} intermediate values");
        Assert.All(moved, v => Assert.InRange(v, 0.1, 99.9));
        Assert.Equal(moved.Order(), moved);
        foreach (var png in result["screenshots"]!.AsArray().Select(n => (string)n!))
        {
            var head = new byte[8];
            await using (var file = File.OpenRead(png))
            {
                Assert.Equal(8, await file.ReadAsync(head));
            }

            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);
        }

        output.WriteLine($"screenshots: {string.Join(", ", result["screenshots"]!.AsArray())}");
        if (Environment.GetEnvironmentVariable("SWEETSSTORE_BROWSER_ARTIFACTS") is null)
        {
            Directory.Delete(artifacts, recursive: true);
        }
    }

    /// <summary>
    /// 60 couriers of every type; 300 orders in regions 1-5; couriers 1-10 get bundles; 1-5 deliver everything
    /// (finished, paid: rating and earnings), 6-10 deliver one order each (open bundles).
    /// </summary>
    private async Task<int> SeedAsync(HttpClient client)
    {
        string[] types = ["foot", "bike", "car"];
        var couriers = Enumerable.Range(1, Couriers).Select(i => Fake.Courier(i)
            .OfType(types[i % 3])
            .InRegions(i % 2 == 0 ? [i % 5 + 1] : [i % 5 + 1, (i + 2) % 5 + 1])
            .Working(i % 4 == 0 ? ["06:00-12:00", "14:00-22:30"] : ["08:00-20:00"])
            .Build());
        await ExpectAsync(await client.PostAsJsonAsync("/couriers", new { data = couriers }), HttpStatusCode.Created);
        var orders = Enumerable.Range(1, Orders).Select(i => Fake.Order(i)
            .Weighing(1 + i % 4)
            .InRegion(i % 5 + 1)
            .DeliveredAt("09:00-18:00")
            .Build());
        await ExpectAsync(await client.PostAsJsonAsync("/orders", new { data = orders }), HttpStatusCode.Created);

        var assigned = 0;
        var completed = 0;
        for (var courier = 1; courier <= 10; courier++)
        {
            var bundle = await ExpectAsync(await client.PostAsJsonAsync("/orders/assign", new { courier_id = courier }), HttpStatusCode.OK);
            var ids = bundle["orders"]!.AsArray().Select(o => (long)o!["id"]!).ToArray();
            Assert.NotEmpty(ids);
            assigned += ids.Length;
            var deliver = courier <= 5 ? ids : ids[..1];
            for (var k = 0; k < deliver.Length; k++)
            {
                var at = ApiFactory.Start + NodaTime.Duration.FromMinutes(7 * (k + 1) + courier);
                await ExpectAsync(
                    await client.PostAsJsonAsync("/orders/complete", new { courier_id = courier, order_id = deliver[k], complete_time = NodaTime.Text.InstantPattern.ExtendedIso.Format(at) }),
                    HttpStatusCode.OK);
                completed++;
            }
        }

        output.WriteLine($"seeded {Couriers} couriers, {Orders} orders, {assigned} assigned, {completed} delivered");
        return assigned;
    }

    private static async Task<JsonNode> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.RequestUri}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunNodeAsync(string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = BrowserFolder(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stderr = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            try
            {
                output.WriteLine(e.Data);
            }
            catch (InvalidOperationException)
            {
                // The test has ended (timed out); nothing to write to.
            }
        };
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node dashboard.mjs ran longer than {timeout}:\n{Tail(stderr.ToString())}");
        }

        process.WaitForExit(); // flushes the redirected streams
        var text = await stdout;
        lock (stderr)
        {
            return (process.ExitCode, text, stderr.ToString());
        }
    }

    private static JsonNode ParseResult(string stdout, string stderr, int exit)
    {
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        try
        {
            return JsonNode.Parse(line ?? "")!;
        }
        catch (System.Text.Json.JsonException)
        {
            throw new Xunit.Sdk.XunitException(
                $"node dashboard.mjs exited {exit} without a result (is chromium installed and tests/browser/node_modules present? " +
                $"./test.sh runs scripts/browser-deps.sh):\n{stdout}\n{Tail(stderr)}");
        }
    }

    private static Dictionary<string, long> Flatten(JsonNode stats)
    {
        var flat = new Dictionary<string, long>();
        foreach (var (key, value) in stats.AsObject())
        {
            if (value is JsonObject inner)
            {
                foreach (var (name, count) in inner)
                {
                    flat[$"{key}.{name}"] = (long)count!;
                }
            }
            else
            {
                flat[key] = (long)value!;
            }
        }

        return flat;
    }

    private static string BrowserFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "browser");
            if (File.Exists(Path.Combine(candidate, "dashboard.mjs")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/browser/dashboard.mjs not found above {AppContext.BaseDirectory}");
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}
