using Microsoft.Playwright;

namespace PerfTestKit.Pages.Tests;

/// <summary>
/// One headless Debian Chromium for the whole run, driven by Playwright. Every page is watched: console errors,
/// uncaught exceptions and any request that leaves file:// are collected for the test to assert on.
/// </summary>
[SetUpFixture]
public sealed class BrowserFixture
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static IPlaywright? _playwright;
    private static IBrowser? _browser;

    public static IBrowser Browser => _browser ?? throw new InvalidOperationException("the browser did not start");

    public static string OutputDirectory { get; } = Directory.CreateTempSubdirectory("perftestkit-pages-").FullName;

    [OneTimeSetUp]
    public async Task StartBrowser()
    {
        Assert.That(File.Exists(ChromiumPath), Is.True, "Debian's chromium is needed (scripts/install-deps installs it)");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Without the background-networking flags Chromium tries to reach its own services at every start.
            Args = new[] { "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync" },
        });
    }

    [OneTimeTearDown]
    public async Task StopBrowser()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        try { Directory.Delete(OutputDirectory, recursive: true); } catch (IOException) { }
    }

    /// <summary>A new page that records what went wrong on it.</summary>
    public static async Task<WatchedPage> OpenAsync(string file)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        var watched = new WatchedPage(page);
        await page.GotoAsync(new Uri(file).AbsoluteUri);
        return watched;
    }
}

/// <summary>A page with its console errors, page errors and network requests outside file://.</summary>
public sealed class WatchedPage
{
    public WatchedPage(IPage page)
    {
        Page = page;
        page.Console += (_, message) => { if (message.Type == "error") Problems.Add($"console error: {message.Text}"); };
        page.PageError += (_, error) => Problems.Add($"page error: {error}");
        page.Dialog += async (_, dialog) => { Problems.Add($"dialog: {dialog.Message}"); await dialog.DismissAsync(); };
        page.Request += (_, request) => { if (!request.Url.StartsWith("file://", StringComparison.Ordinal)) Problems.Add($"request: {request.Url}"); };
        page.Popup += (_, popup) => Problems.Add($"popup: {popup.Url}");
    }

    public IPage Page { get; }
    public List<string> Problems { get; } = new();

    /// <summary>Saves a screenshot next to the test's results, for review.</summary>
    public async Task ScreenshotAsync(string name)
    {
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots", name + ".png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false });
        TestContext.AddTestAttachment(path, name);
    }
}
