using Microsoft.Playwright;
using Xunit.Abstractions;

namespace SweetsStore.Tests.Browser;

/// <summary>
/// Debian's chromium, headless, driven by Microsoft.Playwright (its driver ships in the package and runs offline; it never
/// downloads a browser here). Every page it opens is watched: a request other than GET, a script error, an error on the
/// console or a failed request is a problem the test reports. Screenshots go to <see cref="Artifacts"/>.
/// </summary>
public sealed partial class Chromium : IAsyncDisposable
{
    // Flags of the machine notes' "known to work" run: no sandbox (root), no GPU, and nothing that reaches the network.
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly ITestOutputHelper _output;
    private readonly List<string> _problems = [];

    private Chromium(IPlaywright playwright, IBrowser browser, ITestOutputHelper output, string artifacts)
    {
        _playwright = playwright;
        _browser = browser;
        _output = output;
        Artifacts = artifacts;
    }

    /// <summary>Where screenshots go: <c>SWEETSSTORE_BROWSER_ARTIFACTS</c>, else a temporary folder (deleted when the test passes).</summary>
    public string Artifacts { get; }

    public List<string> Screenshots { get; } = [];

    /// <summary>What the watched pages did wrong so far.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_problems)
            {
                return _problems.ToArray();
            }
        }
    }

    /// <summary>Debian's <c>/usr/bin/chromium</c>; <c>CHROMIUM_PATH</c> or another Chromium-family browser elsewhere (CI runners).</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path
            ? path
            : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable" }.FirstOrDefault(File.Exists)
              ?? "/usr/bin/chromium";

    public static async Task<Chromium> LaunchAsync(ITestOutputHelper output)
    {
        Assert.True(File.Exists(ExecutablePath), $"{ExecutablePath} is missing: ./test.sh installs Debian's chromium (scripts/browser-deps.sh)");
        var artifacts = Environment.GetEnvironmentVariable("SWEETSSTORE_BROWSER_ARTIFACTS")
            ?? Directory.CreateTempSubdirectory("sweetsstore-dashboard-").FullName;
        Directory.CreateDirectory(artifacts);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Flags,
                Timeout = 60_000,
            });
            return new Chromium(playwright, browser, output, artifacts);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A new page of <paramref name="width"/> × <paramref name="height"/> CSS pixels, watched.</summary>
    public async Task<IPage> OpenAsync(string url, int width = 1280, int height = 900, bool javaScript = true)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = 1,
            JavaScriptEnabled = javaScript,
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        Watch(page);
        var response = await page.GotoAsync(url, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        Assert.Equal(200, response?.Status);
        if (javaScript)
        {
            await page.WaitForSelectorAsync("body[data-loaded=\"true\"]");
        }

        return page;
    }

    public async Task ShootAsync(IPage page, string name)
    {
        var path = Path.Combine(Artifacts, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Screenshots.Add(path);
        Log($"screenshot {path}");
    }

    public void Log(string message)
    {
        try
        {
            _output.WriteLine($"[browser {DateTime.UtcNow:HH:mm:ss.fff}] {message}");
        }
        catch (InvalidOperationException)
        {
            // The test has ended; nothing to write to.
        }
    }

    /// <summary>Asserts that no watched page misbehaved, and that every screenshot is a PNG.</summary>
    public void AssertNoProblems()
    {
        Assert.True(Problems.Count == 0, $"the page misbehaved: {string.Join("; ", Problems)}");
        foreach (var png in Screenshots)
        {
            var head = new byte[8];
            using (var file = File.OpenRead(png))
            {
                Assert.Equal(8, file.Read(head));
            }

            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }

    /// <summary>Deletes the screenshots' temporary folder (not one named by <c>SWEETSSTORE_BROWSER_ARTIFACTS</c>).</summary>
    public void ForgetArtifacts()
    {
        if (Environment.GetEnvironmentVariable("SWEETSSTORE_BROWSER_ARTIFACTS") is null)
        {
            Directory.Delete(Artifacts, recursive: true);
        }
    }

    private void Watch(IPage page)
    {
        page.Request += (_, request) =>
        {
            if (request.Method != "GET")
            {
                Problem($"the page sent {request.Method} {request.Url}");
            }
        };
        page.PageError += (_, error) => Problem($"script error: {error}");
        page.Console += (_, message) =>
        {
            // Chromium logs every 4xx answer as an error; those are judged by their URL just below.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource: the server responded with a status of 404", StringComparison.Ordinal))
            {
                Problem($"console error: {message.Text}");
            }
        };
        page.Response += (_, response) =>
        {
            // A search for an id no courier (or order) has is answered 404, as it should; nothing else may be.
            var path = new Uri(response.Url).AbsolutePath;
            if (response.Status >= 400 && !(response.Status == 404 && SearchPath().IsMatch(path)))
            {
                Problem($"{response.Request.Method} {path} answered {response.Status}");
            }
        };
        page.RequestFailed += (_, request) => Problem($"request failed: {request.Url} {request.Failure}");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^/(couriers|orders)/[0-9]+$")]
    private static partial System.Text.RegularExpressions.Regex SearchPath();

    private void Problem(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }

        Log($"PROBLEM {problem}");
    }
}
