using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using NodaTime;
using SweetsStore.Api.Contracts;
using SweetsStore.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SweetsStore.Tests.Browser;

/// <summary>
/// Headless Debian chromium, driven by Microsoft.Playwright, reads the dashboard of a seeded store as a person would: the
/// counts it shows equal GET /stats, its courier pages equal GET /couriers and page with Prev/Next, an import's progress
/// bar moves, the charts move while a load runs, a bundle made old with the test clock is listed with its courier, a
/// failed import's report opens from its row, a search finds couriers and orders, and at 700 px and at 1280 px nothing
/// overlaps. Needs a Chromium (./test.sh installs Debian's: scripts/browser-deps.sh); without one this test fails, it
/// never skips.
/// </summary>
[Collection("Browser")]
public class DashboardBrowserTests(KestrelFactory api, ITestOutputHelper output) : IClassFixture<KestrelFactory>, IAsyncLifetime
{
    private const int Couriers = 60;
    private const int Orders = 300;
    private const int PageSize = 25;
    private const int Cars = 4000;

    // The watched import's least size; it is made bigger when a calibration import of 100k orders shows this machine would
    // load it in less than 20 s (the page notices an import within 5 s, then polls every second; the job writes progress
    // every 0.25 s). Measured on this project's 2-core machine, shared with other work: a 50k calibration (0.8-1.0 s) chose
    // 750k-940k orders, shown loaded 8-16 s after the POST with 6-8 values on the way; a 100k calibration (3.0 s) chose
    // 660k, shown loaded after 14 s with 9 values; under a load average of 20, a fixed 250k took 15-20 s.
    private const int ImportOrders = 250_000;
    private const int CalibrationOrders = 100_000;
    private const int MaxImportOrders = 3_000_000;
    private const double ImportSeconds = 20;

    // The page writes numbers as en-US does (1,234); the invariant culture's N0 is the same (the tests run without ICU).
    private static readonly CultureInfo Numbers = CultureInfo.InvariantCulture;

    private readonly HttpClient _client = new() { BaseAddress = new Uri(api.BaseUrl), Timeout = TimeSpan.FromMinutes(2) };

    private string Dashboard => $"{api.BaseUrl}/dashboard";

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TheDashboardShowsTheStoreAndAnImportsProgress()
    {
        var assigned = await SeedAsync();
        await using var chromium = await Chromium.LaunchAsync(output);
        var page = await chromium.OpenAsync(Dashboard);
        Assert.Equal("SweetsStore · operator dashboard", await page.TitleAsync());
        Assert.DoesNotContain("error", await page.Locator("#status").GetAttributeAsync("class") ?? "");

        var before = await ExpectCountsMatchAsync(page);
        var seen = await WalkCourierPagesAsync(page, chromium, (long)before["couriers"]!);
        Assert.Equal(Enumerable.Range(1, Couriers).Select(i => (long)i), seen);
        await chromium.ShootAsync(page, "dashboard.png");

        var (imported, count, moved) = await WatchImportAsync(page, chromium, before);
        Assert.True(count >= ImportOrders);
        Assert.True(moved.Length >= 2, $"the bar showed {moved.Length} intermediate values ({string.Join(", ", moved)}) before 100%: make the import bigger");
        Assert.All(moved, v => Assert.InRange(v, 0.1, 99.9));
        Assert.Equal(moved.Order(), moved);
        var after = await ExpectCountsMatchAsync(page);
        Assert.Equal(Orders - assigned + imported, (long)after["orders"]!["pending"]!);
        await chromium.ShootAsync(page, "dashboard-after-import.png");

        // Without JavaScript the page says where the data is, and its tables still read.
        var plain = await chromium.OpenAsync(Dashboard, javaScript: false);
        var note = plain.Locator("noscript .note, .note").First;
        Assert.True(await note.IsVisibleAsync(), "without JavaScript no <noscript> note is shown");
        var text = await note.TextContentAsync() ?? "";
        Assert.Contains("JavaScript", text);
        Assert.Contains("/stats", text);
        Assert.True(await plain.Locator("#couriers thead").IsVisibleAsync(), "without JavaScript the page is not readable");
        await chromium.ShootAsync(plain, "dashboard-noscript.png");

        chromium.AssertNoProblems();
        chromium.ForgetArtifacts();
    }

    [Fact]
    public async Task TheChartsMoveWhileALoadRuns()
    {
        // 4,000 cars over 5 regions, 40,000 orders of 5 kg: every assign finds a bundle of 10 orders.
        await PostAsync("/couriers", new { data = Enumerable.Range(1, Cars).Select(i => Fake.Courier(i).OfType("car").InRegions(1 + (i % 5)).Build()).ToArray() });
        foreach (var chunk in Enumerable.Range(1, Cars * 10).Chunk(10_000))
        {
            await PostAsync("/orders", new { data = chunk.Select(i => Fake.Order(i).Weighing(5m).InRegion(1 + (i % 5)).Build()).ToArray() });
        }

        await using var chromium = await Chromium.LaunchAsync(output);
        var page = await chromium.OpenAsync(Dashboard);
        chromium.Log($"before the load: {await ChartsAsync(page)}");

        // 8 clients assign couriers one after another and deliver each bundle, for about 25 s; meanwhile the page's charts
        // are read every half second (they are redrawn every 5 s from 5-second steps).
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(25));
        var next = 0;
        var load = Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var courier = Interlocked.Increment(ref next);
                if (courier > Cars)
                {
                    return;
                }

                var bundle = await PostAsync("/orders/assign", new { courier_id = courier });
                var at = ApiFactory.Start + Duration.FromMinutes(10);
                foreach (var order in bundle["orders"]!.AsArray().Take(2))
                {
                    await PostAsync("/orders/complete", new { courier_id = courier, order_id = (long)order!["id"]!, complete_time = NodaTime.Text.InstantPattern.ExtendedIso.Format(at) });
                    at += Duration.FromMinutes(5);
                }
            }
        })));
        var shapes = new List<Charts>();
        while (!load.IsCompleted)
        {
            var charts = await ChartsAsync(page);
            if (shapes.Count == 0 || shapes[^1].AssignsPath != charts.AssignsPath)
            {
                shapes.Add(charts);
                chromium.Log($"charts: {charts}");
            }

            await Task.Delay(500);
        }

        await load;
        var last = await WaitForAsync(page, async () => await ChartsAsync(page) is { AssignsMax: > 0, CompletesMax: > 0, P50: not null } c ? c : null, TimeSpan.FromSeconds(60));
        await chromium.ShootAsync(page, "dashboard-charts.png");

        // Each redraw during the load ends in a step of that load (earlier tests' assigns, if any, are further left).
        var moving = shapes.Where(s => s.AssignsLast > 0).Select(s => s.AssignsPath).Distinct().Count();
        Assert.True(moving >= 2, $"the assigns line's newest step showed the load in {moving} shape(s) while it ran: {string.Join(" | ", shapes)}");
        Assert.True(last.YMax >= last.AssignsMax, $"the y axis ({last.YMax}) is below the line ({last.AssignsMax})");
        Assert.True(double.Parse(last.AssignsCaption, NumberStyles.Float, CultureInfo.InvariantCulture) > 0, $"the caption says {last.AssignsCaption} assigns/s");
        Assert.InRange(last.P50!.Value, 0.01, 30_000);
        chromium.AssertNoProblems();
        chromium.ForgetArtifacts();
    }

    [Fact]
    public async Task ABundleMadeOldWithTheTestClockIsListedWithItsCourier()
    {
        await PostAsync("/couriers", new { data = new[] { Fake.Courier(1).OfType("bike").InRegions(1).Build(), Fake.Courier(2).OfType("car").InRegions(2).Build() } });
        await PostAsync("/orders", new
        {
            data = new[] { Fake.Order(1).InRegion(1).Build(), Fake.Order(2).InRegion(1).Build(), Fake.Order(3).InRegion(2).Build() },
        });
        await PostAsync("/orders/assign", new { courier_id = 1 }); // at the test clock's start
        await PostAsync("/orders/complete", new { courier_id = 1, order_id = 1, complete_time = NodaTime.Text.InstantPattern.ExtendedIso.Format(ApiFactory.Start + Duration.FromMinutes(20)) });
        api.Clock.Advance(Duration.FromMinutes(95));
        await PostAsync("/orders/assign", new { courier_id = 2 }); // just now: not stale

        await using var chromium = await Chromium.LaunchAsync(output);
        var page = await chromium.OpenAsync(Dashboard);

        Assert.Equal("Bundles open longer than 60 min", await page.Locator("#stale-title").TextContentAsync());
        var rows = await page.Locator("#stale tbody tr").AllAsync();
        var row = Assert.Single(rows);
        Assert.Equal("1", await row.GetAttributeAsync("data-courier-id"));
        Assert.Equal(["1 · bike", "1", "2026-01-10 09:00:00", "95 min", "1 of 2"], await CellsAsync(row));
        Assert.False(await page.Locator("#stale-empty").IsVisibleAsync());
        await chromium.ShootAsync(page, "dashboard-stale.png");

        // The courier opens from its row.
        await row.Locator("button").ClickAsync();
        await page.Locator("#found dl.courier[data-courier-id=\"1\"]").WaitForAsync();
        Assert.Contains("bike", await page.Locator("#found-body").TextContentAsync());
        chromium.AssertNoProblems();
        chromium.ForgetArtifacts();
    }

    [Fact]
    public async Task AFailedImportsFullReportOpensFromItsRow()
    {
        // 1,500 orders weighing 0 (lines 2 to 1501, after a valid one): the report keeps the first 1,000.
        var body = new StringBuilder(JsonSerializer.Serialize(Fake.Order(1).Build())).Append('\n');
        for (var i = 0; i < 1500; i++)
        {
            body.Append(JsonSerializer.Serialize(Fake.Order(100 + i).Weighing(0m).Build())).Append('\n');
        }

        var failed = await UploadAsync(body.ToString());
        var succeeded = await UploadAsync(JsonSerializer.Serialize(Fake.Order(5).Build()) + "\n");
        await WaitImportAsync(failed);
        await WaitImportAsync(succeeded);

        await using var chromium = await Chromium.LaunchAsync(output);
        var page = await chromium.OpenAsync(Dashboard);
        var failedRow = page.Locator($"#imports tbody tr[data-import-id=\"{failed}\"]");
        Assert.Equal("failed", await failedRow.GetAttributeAsync("data-status"));
        Assert.False(await page.Locator($"#imports tbody tr[data-import-id=\"{succeeded}\"] .show-report").IsVisibleAsync());
        Assert.False(await page.Locator("#report").IsVisibleAsync());

        await failedRow.Locator(".show-report").ClickAsync();
        await page.Locator($"#report[data-import-id=\"{failed}\"]").WaitForAsync();

        Assert.Equal($"Import {failed}: report", await page.Locator("#report-title").TextContentAsync());
        Assert.Equal(
            "1500 of 1501 orders are invalid; nothing was stored — the report lists the first 1,000 of 1,500 invalid orders",
            await page.Locator("#report-summary").TextContentAsync());
        var report = JsonNode.Parse(await page.Locator("#report-body").TextContentAsync() ?? "")!;
        var listed = report["validation_error"]!["orders"]!.AsArray();
        Assert.Equal(1000, listed.Count);
        Assert.Equal(2, (long)listed[0]!["line"]!);
        Assert.Equal(100, (long)listed[0]!["id"]!);
        Assert.Equal($"/imports/{failed}", new Uri(await page.Locator("#report-link").GetAttributeAsync("href") ?? "", UriKind.RelativeOrAbsolute).ToString());
        await chromium.ShootAsync(page, "dashboard-report.png");
        chromium.AssertNoProblems();
        chromium.ForgetArtifacts();
    }

    [Fact]
    public async Task ASearchFindsCouriersAndOrdersById()
    {
        await PostAsync("/couriers", new { data = new[] { Fake.Courier(7).OfType("foot").InRegions(3, 4).Working("08:00-12:00").Build() } });
        await PostAsync("/orders", new { data = new[] { Fake.Order(7).Weighing(2.5m).InRegion(3).Build(), Fake.Order(8).Weighing(1m).InRegion(4).Build() } });
        var bundle = await PostAsync("/orders/assign", new { courier_id = 7 });
        Assert.Equal([7L, 8L], bundle["orders"]!.AsArray().Select(o => (long)o!["id"]!).Order());

        await using var chromium = await Chromium.LaunchAsync(output);
        var page = await chromium.OpenAsync(Dashboard);

        // Courier 7 and order 7 both exist: both are shown.
        await SearchAsync(page, "7");
        await page.Locator("#found dl.order[data-order-id=\"7\"]").WaitForAsync();
        Assert.Equal(
            ["Courier", "7 · foot", "Regions", "3, 4", "Working hours", "08:00-12:00", "Rating", "— (no finished paid bundle yet)", "Earnings", "0"],
            await TextsAsync(page.Locator("#found dl.courier[data-courier-id=\"7\"] > *")));
        var order = await TextsAsync(page.Locator("#found dl.order[data-order-id=\"7\"] > *"));
        Assert.Equal(["Order", "7 · 2.5 kg · region 3", "Delivery hours", "00:00-23:59", "Status", "assigned", "Courier", "7", "Assigned (UTC)", "2026-01-10 09:00:00"], order);

        // Order 8 only; its courier opens from it.
        await SearchAsync(page, "8");
        await page.Locator("#found dl.order[data-order-id=\"8\"]").WaitForAsync();
        Assert.Equal(0, await page.Locator("#found dl.courier").CountAsync());
        await page.Locator("#found dl.order button").ClickAsync();
        await page.Locator("#found dl.courier[data-courier-id=\"7\"]").WaitForAsync();
        Assert.Equal("7", await page.Locator("#search-id").InputValueAsync());
        await chromium.ShootAsync(page, "dashboard-search.png");

        await SearchAsync(page, "999");
        await WaitForTextAsync(page, "#found-body", "No courier and no order has id 999.");
        await SearchAsync(page, "x1");
        await WaitForTextAsync(page, "#found-body", "Give a courier or order id: a whole number from 1.");
        await page.Locator("#found-close").ClickAsync();
        Assert.False(await page.Locator("#found").IsVisibleAsync());
        chromium.AssertNoProblems();
        chromium.ForgetArtifacts();
    }

    [Theory]
    [InlineData(700)]
    [InlineData(1280)]
    public async Task NothingOverlapsAtThisWidth(int width)
    {
        // Everything the page can show at once: long lists, a failed import's report, a stale bundle, search results, charts.
        var couriers = Enumerable.Range(1, 30).Select(i => Fake.Courier(i).OfType(i % 3 == 0 ? "car" : i % 3 == 1 ? "foot" : "bike")
            .InRegions(i == 1 ? Enumerable.Range(1, 60).ToArray() : [1 + (i % 7), 100_000 + i])
            .Working(i == 1 ? Enumerable.Range(0, 12).Select(h => $"{2 * h:D2}:00-{2 * h:D2}:45").ToArray() : ["06:00-22:00"])
            .Build()).ToArray();
        await PostAsync("/couriers", new { data = couriers });
        await PostAsync("/orders", new { data = Enumerable.Range(1, 400).Select(i => Fake.Order(i).Weighing(1 + (i % 40)).InRegion(1 + (i % 7)).Build()).ToArray() });
        for (var courier = 1; courier <= 12; courier++)
        {
            await PostAsync("/orders/assign", new { courier_id = courier });
        }

        api.Clock.Advance(Duration.FromHours(30)); // every bundle is stale now
        var failed = await UploadAsync("{\"order_id\": 9000, \"weight\": 0, \"region\": 1, \"delivery_hours\": [\"10:00-11:00\"]}\nnot json\n");
        await UploadAsync(JsonSerializer.Serialize(new { order_id = 9001, weight = 3.5, region = 1, delivery_hours = new[] { "10:00-11:00" } }) + "\n");
        await WaitImportAsync(failed);

        await using var chromium = await Chromium.LaunchAsync(output);
        var page = await chromium.OpenAsync(Dashboard, width, 900);
        await page.Locator($"#imports tbody tr[data-import-id=\"{failed}\"] .show-report").ClickAsync();
        await page.Locator("#report").WaitForAsync();
        await SearchAsync(page, "1");
        await page.Locator("#found dl.courier[data-courier-id=\"1\"]").WaitForAsync();
        await page.Locator("#found dl.order[data-order-id=\"1\"]").WaitForAsync();
        await WaitUntilAsync(page, async () => await page.Locator("#stale tbody tr").CountAsync() == 12, TimeSpan.FromSeconds(60));
        await WaitUntilAsync(page, async () => (await ChartsAsync(page)).AssignsMax > 0, TimeSpan.FromSeconds(60));

        var problems = await Layout.ProblemsAsync(page);
        await chromium.ShootAsync(page, $"dashboard-{width}px.png");

        Assert.True(problems.Length == 0, $"at {width} px: {string.Join("; ", problems)} (screenshot in {chromium.Artifacts})");
        Assert.Equal(width, await page.EvaluateAsync<int>("document.documentElement.scrollWidth"));
        chromium.AssertNoProblems();
        chromium.ForgetArtifacts();
    }

    // ---- the store --------------------------------------------------------------------------------------------------------

    /// <summary>
    /// 60 couriers of every type; 300 orders in regions 1-5; couriers 1-10 get bundles; 1-5 deliver everything
    /// (finished, paid: rating and earnings), 6-10 deliver one order each (open bundles). Returns the orders assigned.
    /// </summary>
    private async Task<int> SeedAsync()
    {
        string[] types = ["foot", "bike", "car"];
        var couriers = Enumerable.Range(1, Couriers).Select(i => Fake.Courier(i)
            .OfType(types[i % 3])
            .InRegions(i % 2 == 0 ? [i % 5 + 1] : [i % 5 + 1, (i + 2) % 5 + 1])
            .Working(i % 4 == 0 ? ["06:00-12:00", "14:00-22:30"] : ["08:00-20:00"])
            .Build());
        await PostAsync("/couriers", new { data = couriers });
        var orders = Enumerable.Range(1, Orders).Select(i => Fake.Order(i).Weighing(1 + i % 4).InRegion(i % 5 + 1).DeliveredAt("09:00-18:00").Build());
        await PostAsync("/orders", new { data = orders });

        var assigned = 0;
        var completed = 0;
        for (var courier = 1; courier <= 10; courier++)
        {
            var bundle = await PostAsync("/orders/assign", new { courier_id = courier });
            var ids = bundle["orders"]!.AsArray().Select(o => (long)o!["id"]!).ToArray();
            Assert.NotEmpty(ids);
            assigned += ids.Length;
            var deliver = courier <= 5 ? ids : ids[..1];
            for (var k = 0; k < deliver.Length; k++)
            {
                var at = ApiFactory.Start + Duration.FromMinutes(7 * (k + 1) + courier);
                await PostAsync("/orders/complete", new { courier_id = courier, order_id = deliver[k], complete_time = NodaTime.Text.InstantPattern.ExtendedIso.Format(at) });
                completed++;
            }
        }

        output.WriteLine($"seeded {Couriers} couriers, {Orders} orders, {assigned} assigned, {completed} delivered");
        return assigned;
    }

    private async Task<JsonNode> PostAsync(string path, object body)
    {
        using var response = await _client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<long> UploadAsync(string ndjson)
    {
        using var content = new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson");
        using var response = await _client.PostAsync("/imports/orders", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST /imports/orders: {(int)response.StatusCode} {text}");
        return (long)JsonNode.Parse(text)!["import_id"]!;
    }

    private async Task<JsonNode> WaitImportAsync(long id)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var state = JsonNode.Parse(await _client.GetStringAsync($"/imports/{id}"))!;
            if ((string?)state["status"] is "succeeded" or "failed")
            {
                return state;
            }

            Assert.True(DateTime.UtcNow < until, $"import {id} did not end within 5 minutes");
            await Task.Delay(50);
        }
    }

    // ---- counts and couriers ------------------------------------------------------------------------------------------

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

    /// <summary>The page refreshes its counts every 5 s: waits (up to 60 s) until every number it shows equals a fresh GET /stats.</summary>
    private async Task<JsonNode> ExpectCountsMatchAsync(IPage page)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var stats = JsonNode.Parse(await _client.GetStringAsync("/stats"))!;
            var expected = Flatten(stats);
            var shown = await page.EvaluateAsync<Dictionary<string, string[]>>(
                "() => Object.fromEntries([...document.querySelectorAll('[data-stat]')].map(e => [e.dataset.stat, [e.dataset.value ?? '', e.textContent]]))");
            var mismatch = new StringBuilder();
            foreach (var (key, value) in shown)
            {
                if (!expected.TryGetValue(key, out var want))
                {
                    mismatch.Append($" {key} is not in /stats;");
                }
                else if (value[0] != want.ToString(CultureInfo.InvariantCulture) || value[1] != want.ToString("N0", Numbers))
                {
                    mismatch.Append($" {key} shows \"{value[1]}\" ({value[0]}), /stats says {want};");
                }
            }

            foreach (var key in new[] { "couriers", "orders.pending", "orders.assigned", "orders.completed", "bundles.open", "jobs.failed" })
            {
                if (!shown.ContainsKey(key))
                {
                    mismatch.Append($" {key} is not shown;");
                }
            }

            if (mismatch.Length == 0)
            {
                return stats;
            }

            Assert.True(DateTime.UtcNow < until, $"the counts shown differ from GET /stats:{mismatch}");
            await Task.Delay(250);
        }
    }

    private static string[] ExpectedRow(JsonNode courier) =>
    [
        ((long)courier["courier_id"]!).ToString(CultureInfo.InvariantCulture),
        (string)courier["courier_type"]!,
        string.Join(", ", courier["regions"]!.AsArray().Select(r => (int)r!)),
        string.Join(", ", courier["working_hours"]!.AsArray().Select(h => (string)h!)),
        courier["rating"] is { } rating ? ((double)rating).ToString("0.00", CultureInfo.InvariantCulture) : "—",
        ((long)courier["earnings"]!).ToString("N0", Numbers),
    ];

    private async Task<JsonNode> ExpectCourierPageAsync(IPage page, int offset, long total)
    {
        var expected = JsonNode.Parse(await _client.GetStringAsync($"/couriers?offset={offset}&limit={PageSize}"))!;
        var want = expected["couriers"]!.AsArray().Select(c => ExpectedRow(c!)).ToArray();
        var first = want.FirstOrDefault()?[0];
        await page.WaitForFunctionAsync(
            "([first, count]) => { const rows = document.querySelectorAll('#couriers tbody tr'); return rows.length === count && (count === 0 || rows[0].dataset.courierId === first); }",
            new object?[] { first, want.Length });
        var shown = await page.EvaluateAsync<string[][]>("() => [...document.querySelectorAll('#couriers tbody tr')].map(r => [...r.cells].map(c => c.textContent))");
        Assert.Equal(want, shown);
        var range = $"{(offset + 1).ToString("N0", Numbers)}–{(offset + want.Length).ToString("N0", Numbers)} of {total.ToString("N0", Numbers)}";
        await WaitForTextAsync(page, "#couriers-range", range);
        return expected;
    }

    private async Task<List<long>> WalkCourierPagesAsync(IPage page, Chromium chromium, long total)
    {
        Assert.True(total > PageSize, $"seed more than {PageSize} couriers to check paging (there are {total})");
        var seen = new List<long>();
        var offset = 0;
        var pages = 0;
        Assert.True(await page.Locator("#couriers-prev").IsDisabledAsync(), "Prev is enabled on the first page");
        while (true)
        {
            var expected = await ExpectCourierPageAsync(page, offset, total);
            var ids = expected["couriers"]!.AsArray().Select(c => (long)c!["courier_id"]!).ToArray();
            seen.AddRange(ids);
            pages++;
            if (offset + ids.Length >= total)
            {
                Assert.True(await page.Locator("#couriers-next").IsDisabledAsync(), $"Next is enabled on the last page (offset {offset})");
                break;
            }

            Assert.True(pages < 50, "more than 50 courier pages: seed fewer couriers");
            await page.Locator("#couriers-next").ClickAsync();
            offset = (int)expected["next_offset"]!;
            await page.WaitForFunctionAsync("(o) => location.hash === `#couriers=${o}`", offset);
        }

        Assert.Equal(total, seen.Distinct().Count());
        Assert.Equal(seen.Order(), seen);
        chromium.Log($"Next walked {pages} pages of {PageSize}, {total} couriers, each equal to GET /couriers");

        // Prev goes back one page at a time, to the first.
        while (offset > 0)
        {
            await page.Locator("#couriers-prev").ClickAsync();
            offset -= PageSize;
            await ExpectCourierPageAsync(page, offset, total);
        }

        Assert.True(await page.Locator("#couriers-prev").IsDisabledAsync(), "Prev is enabled on the first page");
        return seen;
    }

    // ---- an import's progress ---------------------------------------------------------------------------------------------

    /// <summary>Deterministic, varied and valid: weights 0.01..50, regions 1..100, one- to eight-hour windows.</summary>
    private static string NdjsonOrders(int count, long firstId)
    {
        var random = new Random(20261122);
        var body = new StringBuilder(count * 80);
        for (var i = 0; i < count; i++)
        {
            var start = random.Next(24);
            var end = (start + 1 + random.Next(8)) % 24;
            body.Append(CultureInfo.InvariantCulture,
                $"{{\"order_id\":{firstId + i},\"weight\":{(1 + random.Next(5000)) / 100m},\"region\":{1 + random.Next(100)},\"delivery_hours\":[\"{start:D2}:00-{end:D2}:00\"]}}\n");
        }

        return body.ToString();
    }

    /// <summary>
    /// A calibration import of 100k orders (watched through the API) says how many orders a second this machine loads now;
    /// the watched import gets enough for about 20 s of loading, at least <see cref="ImportOrders"/>. Its progress bar is
    /// sampled as the page draws it (its polling moves it, not ours) until the import ends. Returns the orders imported
    /// (both imports), the watched import's size, and the distinct values the bar showed between 0 and 100.
    /// </summary>
    private async Task<(long Imported, int Count, double[] Moved)> WatchImportAsync(IPage page, Chromium chromium, JsonNode before)
    {
        const long firstId = 1_000_001;
        var calibration = await UploadAsync(NdjsonOrders(CalibrationOrders, firstId));
        DateTime? started = null;
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var state = JsonNode.Parse(await _client.GetStringAsync($"/imports/{calibration}"))!;
            if ((string?)state["status"] == "running")
            {
                started ??= DateTime.UtcNow;
            }

            if ((string?)state["status"] == "succeeded")
            {
                break;
            }

            Assert.NotEqual("failed", (string?)state["status"]);
            Assert.True(DateTime.UtcNow < until, "the calibration import did not finish within 5 minutes");
            await Task.Delay(50);
        }

        var seconds = Math.Max(0.2, (DateTime.UtcNow - (started ?? DateTime.UtcNow)).TotalSeconds);
        var count = (int)Math.Min(MaxImportOrders, Math.Max(ImportOrders, Math.Round(CalibrationOrders / seconds * ImportSeconds / 10_000) * 10_000));
        chromium.Log($"calibration: {CalibrationOrders} orders loaded in {seconds:0.0} s; the watched import gets {count}");
        var posted = DateTime.UtcNow;
        var id = await UploadAsync(NdjsonOrders(count, firstId + CalibrationOrders));

        var intermediate = new List<double>();
        (string Status, double Value, string Width)? last = null;
        var shotRunning = false;
        until = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            var sample = await page.EvaluateAsync<JsonElement?>(
                """
                (importId) => {
                  const row = document.querySelector(`#imports tbody tr[data-import-id="${importId}"]`);
                  if (!row) return null;
                  return { status: row.dataset.status, value: Number(row.querySelector('.bar').getAttribute('aria-valuenow')),
                           width: row.querySelector('.fill').style.width, rows: row.querySelector('.rows').textContent };
                }
                """, id);
            if (sample is { ValueKind: JsonValueKind.Object } s)
            {
                var now = (Status: s.GetProperty("status").GetString()!, Value: s.GetProperty("value").GetDouble(), Width: s.GetProperty("width").GetString()!);
                if (last is null || last.Value.Status != now.Status || last.Value.Value != now.Value)
                {
                    chromium.Log($"import {id} shown: {now.Status} {now.Width} ({s.GetProperty("rows").GetString()}) after {(DateTime.UtcNow - posted).TotalSeconds:0.0} s");
                    Assert.Equal($"{now.Value.ToString(CultureInfo.InvariantCulture)}%", now.Width);
                    Assert.False(last is { } l && l.Status == now.Status && now.Value < l.Value, $"the bar went back from {last?.Value} to {now.Value}");
                    if (now.Status == "running" && now.Value is > 0 and < 100)
                    {
                        intermediate.Add(now.Value);
                        if (!shotRunning)
                        {
                            shotRunning = true;
                            await chromium.ShootAsync(page, "dashboard-import-running.png");
                        }
                    }

                    last = now;
                }

                if (now.Status is "succeeded" or "failed")
                {
                    break;
                }
            }

            Assert.True(DateTime.UtcNow < until, $"import {id} did not finish on the page within 10 minutes");
            await Task.Delay(50);
        }

        var server = JsonNode.Parse(await _client.GetStringAsync($"/imports/{id}"))!;
        Assert.Equal("succeeded", (string?)server["status"]);
        Assert.Equal(("succeeded", 100.0, "100%"), last!.Value);
        var stats = JsonNode.Parse(await _client.GetStringAsync("/stats"))!;
        var imported = (long)CalibrationOrders + count;
        Assert.Equal((long)before["orders"]!["pending"]! + imported, (long)stats["orders"]!["pending"]!);
        return (imported, count, intermediate.Distinct().ToArray());
    }

    // ---- charts, search and helpers ---------------------------------------------------------------------------------

    /// <summary>What the charts show: the assigns line's path, the highest values drawn, the y axis, the captions.</summary>
    private sealed record Charts(
        string AssignsPath, double AssignsMax, double AssignsLast, double CompletesMax, double YMax, string AssignsCaption, double? P50, string? End)
    {
        public override string ToString() =>
            $"assigns max {AssignsMax}/s, newest step {AssignsLast}/s, completes max {CompletesMax}/s, y axis {YMax}, caption {AssignsCaption}, p50 {P50}, end {End}, path {AssignsPath.Length} chars";
    }

    private static async Task<Charts> ChartsAsync(IPage page)
    {
        var c = await page.EvaluateAsync<JsonElement>(
            """
            () => {
              const rates = document.querySelector('#chart-rates svg');
              const p50 = document.getElementById('latency-p50').textContent;
              return {
                path: rates.querySelector('path.assigns').getAttribute('d') || '',
                assigns: Number(rates.querySelector('path.assigns').dataset.max || 0),
                last: Number(rates.querySelector('path.assigns').dataset.last || 0),
                completes: Number(rates.querySelector('path.completes').dataset.max || 0),
                ymax: Number(rates.dataset.max || 0),
                caption: document.getElementById('rate-assigns').textContent,
                p50: /^[0-9.,]+$/.test(p50) ? Number(p50.replace(/,/g, '')) : null,
                end: document.getElementById('chart-rates').dataset.end || null,
              };
            }
            """);
        return new Charts(
            c.GetProperty("path").GetString()!, c.GetProperty("assigns").GetDouble(), c.GetProperty("last").GetDouble(), c.GetProperty("completes").GetDouble(), c.GetProperty("ymax").GetDouble(),
            c.GetProperty("caption").GetString()!, c.GetProperty("p50").ValueKind == JsonValueKind.Number ? c.GetProperty("p50").GetDouble() : null,
            c.GetProperty("end").ValueKind == JsonValueKind.String ? c.GetProperty("end").GetString() : null);
    }

    private static async Task SearchAsync(IPage page, string text)
    {
        await page.Locator("#search-id").FillAsync(text);
        await page.Locator("#search button[type=submit]").ClickAsync();
    }

    private static async Task<string[]> CellsAsync(ILocator row) =>
        (await row.Locator("td").AllTextContentsAsync()).ToArray();

    private static async Task<string[]> TextsAsync(ILocator elements) =>
        (await elements.AllTextContentsAsync()).ToArray();

    private static async Task WaitForTextAsync(IPage page, string selector, string text)
    {
        try
        {
            await page.WaitForFunctionAsync("([s, t]) => document.querySelector(s)?.textContent === t", new object[] { selector, text }, new() { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{selector} should say \"{text}\" but says \"{await page.Locator(selector).TextContentAsync()}\"");
        }
    }

    private static Task WaitUntilAsync(IPage page, Func<Task<bool>> condition, TimeSpan timeout) =>
        WaitForAsync(page, async () => await condition() ? page : null, timeout);

    private static async Task<T> WaitForAsync<T>(IPage page, Func<Task<T?>> probe, TimeSpan timeout)
        where T : class
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < until, $"the page never showed what was expected within {timeout.TotalSeconds} s ({page.Url})");
            await Task.Delay(250);
        }
    }
}
