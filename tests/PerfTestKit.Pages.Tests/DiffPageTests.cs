using Microsoft.Playwright;
using PerfTestKit.Diff;

namespace PerfTestKit.Pages.Tests;

/// <summary>The diff folder's pages in headless Chromium: the differential flame graph and the sortable index.</summary>
public class DiffPageTests
{
    // Frames: 0 root, 1 the test method, 2 its hot method (grows 3x), 3 a helper (shrinks by half), 4 a hostile name.
    private static readonly string[] Frames = { "start_thread", "T::Test_Slow()", "T::Hot(int32)", "T::Helper()", Pages.Evil };

    private static RunStacks Run(string label, int hot, int helper) => new(Path.Combine(BrowserFixture.OutputDirectory, label), 999, "cpu-clock", Frames,
        Enumerable.Range(0, 8).Select(i => new TestStacks($"T.Steady_{i}", $"Steady_{i}", "Passed", 100, 100 + 10 * i,
            new[] { new TestStack(100 + 10 * i, StackKind.Test, new[] { 0, 1, 3 }) }))
        .Append(new TestStacks("T.Test_Slow" + Pages.Evil, "Test_Slow", "Passed", 100, hot + helper, new[]
        {
            new TestStack(hot, StackKind.Test, new[] { 0, 1, 2 }),
            new TestStack(helper, StackKind.Test, new[] { 0, 1, 3, 4 }),
        })).ToList());

    private static readonly Lazy<string> Folder = new(() =>
    {
        string directory = Path.Combine(BrowserFixture.OutputDirectory, "diff");
        RunDiffWriter.WriteFolder(RunComparison.Compare(Run("base", hot: 100, helper: 100), Run("head", hot: 300, helper: 50)), directory);
        return directory;
    });

    [Test]
    public async Task The_grown_frame_is_red_the_shrunk_one_blue_and_the_tooltip_shows_both_counts()
    {
        string page = Directory.GetFiles(Path.Combine(Folder.Value, "tests"), "*.diff.html").Single();
        var watched = await BrowserFixture.OpenAsync(page);
        var hot = watched.Page.Locator(".frame[data-name=\"T::Hot(int32)\"]");
        await hot.WaitForAsync();
        Assert.That(await hot.GetAttributeAsync("data-change"), Is.EqualTo("grew"));
        var (r, g, b) = await BackgroundOf(hot);
        Assert.That(r, Is.GreaterThan(g + 60).And.GreaterThan(b + 60), $"red: rgb({r},{g},{b})");
        var helper = watched.Page.Locator(".frame[data-name=\"T::Helper()\"]");
        Assert.That(await helper.GetAttributeAsync("data-change"), Is.EqualTo("shrank"));
        var (hr, hg, hb) = await BackgroundOf(helper);
        Assert.That(hb, Is.GreaterThan(hr + 60), $"blue: rgb({hr},{hg},{hb})");

        await hot.HoverAsync();
        var tooltip = watched.Page.Locator("#tooltip");
        await tooltip.WaitForAsync();
        Assert.That(await tooltip.TextContentAsync(), Does.Contain("Base: 100 samples, head: 300 samples").And.Contain("Change: +67%"));
        // The hostile frame name is a frame's text, not markup; the test's name in the title likewise.
        Assert.That(await watched.Page.Locator(".frame").Filter(new LocatorFilterOptions { HasText = "</script>" }).CountAsync(), Is.EqualTo(1));
        Assert.That(await watched.Page.TextContentAsync("#title"), Does.Contain("T.Test_Slow</script>"));
        Assert.That(await watched.Page.Locator("img").CountAsync(), Is.EqualTo(0));
        Assert.That(await watched.Page.IsHiddenAsync("#toggle-inverted"), Is.True, "the inverted view has no base counts");
        await watched.ScreenshotAsync("diff-flamegraph");
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task The_index_lists_every_test_links_the_changed_one_and_sorts_by_change()
    {
        var watched = await BrowserFixture.OpenAsync(Path.Combine(Folder.Value, "index.html"));
        var rows = watched.Page.Locator("#tests tbody tr");
        Assert.That(await rows.CountAsync(), Is.EqualTo(9));
        var first = rows.First;
        Assert.That(await first.GetAttributeAsync("class"), Is.EqualTo("slower"));
        Assert.That(await first.Locator("a").TextContentAsync(), Is.EqualTo("T.Test_Slow" + Pages.Evil));
        Assert.That(await watched.Page.Locator("img").CountAsync(), Is.EqualTo(0));
        // Ascending by change puts the slowed test last.
        await watched.Page.ClickAsync("th:has-text('Change')");
        await watched.Page.ClickAsync("th:has-text('Change')");
        Assert.That(await rows.Last.Locator("a").CountAsync(), Is.EqualTo(1));
        await watched.ScreenshotAsync("diff-index");
        Assert.That(watched.Problems, Is.Empty);
    }

    private static async Task<(int R, int G, int B)> BackgroundOf(ILocator frame)
    {
        string colour = await frame.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        var parts = colour[(colour.IndexOf('(') + 1)..colour.IndexOf(')')].Split(',').Select(p => int.Parse(p.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return (parts[0], parts[1], parts[2]);
    }
}
