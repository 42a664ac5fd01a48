using Microsoft.Playwright;

namespace PerfTestKit.Pages.Tests;

/// <summary>The per-test flame graph page, opened from file:// in headless Chromium.</summary>
public class FlameGraphPageTests
{
    private static readonly Lazy<string> KnownPage = new(() =>
        Pages.WriteFlameGraph(Pages.Known(), Path.Combine(BrowserFixture.OutputDirectory, "known"), "known", "Known profile"));

    [Test]
    public async Task The_page_renders_its_header_and_frames_with_no_console_error_and_no_network_request()
    {
        var watched = await BrowserFixture.OpenAsync(KnownPage.Value);
        var page = watched.Page;
        await page.WaitForSelectorAsync(".frame[data-name=\"parse\"]");
        Assert.That(await page.TextContentAsync("#title"), Is.EqualTo("Known profile"));
        Assert.That(await page.TextContentAsync("#hdr-samples"), Does.Contain("105"));
        Assert.That(await page.Locator(".frame[data-kind=\"kernel\"][data-name=\"sys_read\"]").CountAsync(), Is.EqualTo(1));
        Assert.That(await page.Locator(".frame[data-kind=\"managed\"][data-name=\"render\"]").CountAsync(), Is.EqualTo(1));
        // The hostile name is data on a frame, not markup.
        Assert.That(await page.Locator(".frame").Filter(new LocatorFilterOptions { HasText = "</script>" }).CountAsync(), Is.EqualTo(1));
        Assert.That(await page.Locator("img").CountAsync(), Is.EqualTo(0));
        await watched.ScreenshotAsync("flamegraph");
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task Clicking_a_frame_zooms_into_it_and_reset_goes_back()
    {
        var watched = await BrowserFixture.OpenAsync(KnownPage.Value);
        var page = watched.Page;
        var render = page.Locator(".frame[data-name=\"render\"]");
        var graph = await page.Locator("#graph").BoundingBoxAsync();
        double before = (await render.BoundingBoxAsync())!.Width;
        Assert.That(before / graph!.Width, Is.EqualTo(40.0 / 105).Within(0.02), "render holds 40 of 105 samples");

        await render.ClickAsync();
        double zoomed = (await render.BoundingBoxAsync())!.Width;
        Assert.That(zoomed / graph.Width, Is.GreaterThan(0.97), "the clicked frame fills the width");
        Assert.That(page.Url, Does.Contain("zoom="));
        Assert.That(await page.Locator(".frame[data-name=\"draw\"]").CountAsync(), Is.EqualTo(1), "its callees stay drawn");

        await page.ClickAsync("#reset-zoom");
        Assert.That((await render.BoundingBoxAsync())!.Width, Is.EqualTo(before).Within(2));
        Assert.That(watched.Problems, Is.Empty);
    }

    [TestCase("parse_value", false, 2, "Matched: 47.6% (50 of 105 samples)")]
    [TestCase("parse", false, 3, "Matched: 66.7% (70 of 105 samples)")]
    [TestCase("^draw$", true, 1, "Matched: 28.6% (30 of 105 samples)")]
    public async Task Search_highlights_the_matching_frames_and_shows_their_share_of_samples(string text, bool regex, int frames, string info)
    {
        var watched = await BrowserFixture.OpenAsync(KnownPage.Value);
        var page = watched.Page;
        if (regex) await page.CheckAsync("#search-regex");
        await page.FillAsync("#search", text);
        await page.WaitForFunctionAsync($"document.getElementById('match-info').textContent.includes('{info.Split(' ')[1]}')");
        Assert.That(await page.TextContentAsync("#match-info"), Is.EqualTo(info));
        Assert.That(await page.Locator(".frame.match").CountAsync(), Is.EqualTo(frames));
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task An_invalid_regex_is_reported_on_the_page_without_an_error()
    {
        var watched = await BrowserFixture.OpenAsync(KnownPage.Value);
        await watched.Page.CheckAsync("#search-regex");
        await watched.Page.FillAsync("#search", "(unclosed");
        Assert.That(await watched.Page.TextContentAsync("#search-error"), Is.Not.Empty);
        Assert.That(await watched.Page.Locator(".frame.match").CountAsync(), Is.EqualTo(0));
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task The_tooltip_shows_the_frames_samples_and_shares()
    {
        var watched = await BrowserFixture.OpenAsync(KnownPage.Value);
        var page = watched.Page;
        await page.HoverAsync(".frame[data-name=\"parse\"]");
        var tooltip = page.Locator("#tooltip");
        await tooltip.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        string text = (await tooltip.TextContentAsync())!;
        Assert.That(text, Does.Contain("parse").And.Contain("Total: 60 samples (57.14% of all)").And.Contain("Self: 0 samples"));
        await page.HoverAsync(".frame[data-name=\"draw\"]");
        Assert.That(await tooltip.TextContentAsync(), Does.Contain("Total: 30 samples").And.Contain("Self: 30 samples").And.Contain("libapp.so"));
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task The_inverted_view_puts_the_hottest_leaves_at_the_root()
    {
        var watched = await BrowserFixture.OpenAsync(KnownPage.Value);
        var page = watched.Page;
        await page.ClickAsync("#toggle-inverted");
        // parse_value is a leaf under parse (40) and under render (10): one root of 50 samples in the inverted view.
        var roots = page.Locator(".frame[data-name=\"parse_value\"]");
        Assert.That(await roots.First.GetAttributeAsync("data-samples"), Is.EqualTo("50"));
        Assert.That(await page.Locator("#top-self tbody tr").First.TextContentAsync(), Does.Contain("parse_value"));
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task A_graph_of_100000_nodes_renders()
    {
        string path = Pages.WriteFlameGraph(Pages.Large(), Path.Combine(BrowserFixture.OutputDirectory, "large"), "large", "100k nodes");
        var watched = await BrowserFixture.OpenAsync(path);
        var page = watched.Page;
        await page.WaitForFunctionAsync("typeof window.perftestkitRenderMs === 'number'");
        double ms = await page.EvaluateAsync<double>("window.perftestkitRenderMs");
        int drawn = await page.Locator(".frame").CountAsync();
        TestContext.Out.WriteLine($"first render of 101,001 nodes: {ms:F0} ms, {drawn} frames drawn");
        Assert.That(drawn, Is.GreaterThan(1000), "frames wide enough to see are drawn");
        await watched.ScreenshotAsync("flamegraph-100k");
        Assert.That(watched.Problems, Is.Empty);
    }
}
