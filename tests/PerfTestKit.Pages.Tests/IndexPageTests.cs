using PerfTestKit.Writers;

namespace PerfTestKit.Pages.Tests;

/// <summary>The run index, opened from file:// in headless Chromium, with links to real flame graph pages.</summary>
public class IndexPageTests
{
    private static readonly Lazy<string> IndexPage = new(WriteIndex);

    [Test]
    public async Task The_index_lists_every_test_slowest_first_with_no_console_error()
    {
        var watched = await BrowserFixture.OpenAsync(IndexPage.Value);
        Assert.That(await RowOrder(watched), Is.EqualTo(new[] { "Suite.Zeta_slow", "Suite.Alpha_mid", "Suite.Mu_fast" + Pages.Evil }));
        Assert.That(await watched.Page.Locator("img").CountAsync(), Is.EqualTo(0));
        Assert.That(await watched.Page.TextContentAsync("#sum-samples"), Does.Contain("390"));
        await watched.ScreenshotAsync("index");
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task Clicking_a_column_sorts_by_it_and_clicking_again_reverses()
    {
        var watched = await BrowserFixture.OpenAsync(IndexPage.Value);
        await watched.Page.ClickAsync("th[data-sort=\"name\"]");
        Assert.That(await RowOrder(watched), Is.EqualTo(new[] { "Suite.Alpha_mid", "Suite.Mu_fast" + Pages.Evil, "Suite.Zeta_slow" }));
        Assert.That(await watched.Page.GetAttributeAsync("th[data-sort=\"name\"]", "aria-sort"), Is.EqualTo("ascending"));
        await watched.Page.ClickAsync("th[data-sort=\"name\"]");
        Assert.That(await RowOrder(watched), Is.EqualTo(new[] { "Suite.Zeta_slow", "Suite.Mu_fast" + Pages.Evil, "Suite.Alpha_mid" }));
        await watched.Page.ClickAsync("th[data-sort=\"samples\"]");
        Assert.That(await RowOrder(watched), Is.EqualTo(new[] { "Suite.Zeta_slow", "Suite.Alpha_mid", "Suite.Mu_fast" + Pages.Evil }));
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task The_filter_keeps_the_matching_tests()
    {
        var watched = await BrowserFixture.OpenAsync(IndexPage.Value);
        await watched.Page.FillAsync("#filter", "alpha");
        Assert.That(await RowOrder(watched), Is.EqualTo(new[] { "Suite.Alpha_mid" }));
        Assert.That(await watched.Page.TextContentAsync("#filter-info"), Is.EqualTo("1 of 3 tests"));
        await watched.Page.FillAsync("#filter", "HotZeta");
        Assert.That(await RowOrder(watched), Is.EqualTo(new[] { "Suite.Zeta_slow" }), "the hottest frame is searched too");
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task A_tests_link_opens_its_own_flame_graph()
    {
        var watched = await BrowserFixture.OpenAsync(IndexPage.Value);
        var page = watched.Page;
        await page.ClickAsync("tr.test-row[data-name=\"Suite.Alpha_mid\"] a.flame-link");
        await page.WaitForSelectorAsync(".frame");
        Assert.That(page.Url, Does.EndWith("Suite.Alpha_mid.flamegraph.html"));
        Assert.That(await page.TextContentAsync("#title"), Does.Contain("Suite.Alpha_mid"));
        Assert.That(await page.Locator(".frame[data-name=\"HotAlpha\"]").CountAsync(), Is.EqualTo(1));
        Assert.That(await page.Locator(".frame[data-name=\"HotZeta\"]").CountAsync(), Is.EqualTo(0));
        Assert.That(watched.Problems, Is.Empty);
    }

    [Test]
    public async Task A_test_without_files_shows_why_in_its_row_and_has_no_link()
    {
        string root = Path.Combine(BrowserFixture.OutputDirectory, "index-notes");
        Directory.CreateDirectory(root);
        string note = "no samples: shorter than one sampling period at 999 Hz (1.001 ms of CPU)" + Pages.Evil;
        var entries = new[]
        {
            new TestIndexEntry("Slow", "Suite.Slow", "Passed", 300, 250, new[] { new HotFrame("HotSlow", "App", 250, 100) }, null, null),
            new TestIndexEntry("Short", "Suite.Short", "Passed", 0.2, 0, Array.Empty<HotFrame>(), null, null, note),
        };
        var index = new RunIndex("Notes", "perf record -p 1", "host", "cpu-clock", 999, 250, 0, DateTimeOffset.UtcNow, 1.5,
            Array.Empty<string>(), null, entries);
        string path = Path.Combine(root, "index.html");
        using (var stream = File.Create(path)) RunIndexWriter.WriteHtml(index, stream);

        var watched = await BrowserFixture.OpenAsync(path);
        var row = watched.Page.Locator("tr.test-row[data-name=\"Suite.Short\"]");
        Assert.That(await row.Locator("td").Last.TextContentAsync(), Does.Contain(note), "the note, as text");
        Assert.That(await row.Locator("a").CountAsync(), Is.EqualTo(0), "no page to link to");
        Assert.That(watched.Problems, Is.Empty);
    }

    private static async Task<List<string>> RowOrder(WatchedPage watched)
    {
        var rows = watched.Page.Locator("tr.test-row:visible");
        var names = new List<string>();
        for (int i = 0; i < await rows.CountAsync(); i++) names.Add((await rows.Nth(i).GetAttributeAsync("data-name"))!);
        return names;
    }

    /// <summary>Three tests with their own flame graphs, laid out as the collector lays them out.</summary>
    private static string WriteIndex()
    {
        string root = Path.Combine(BrowserFixture.OutputDirectory, "index");
        var tests = new[]
        {
            (Full: "Suite.Zeta_slow", Outcome: "Passed", Ms: 300.0, Hot: "HotZeta", Samples: 250),
            (Full: "Suite.Alpha_mid", Outcome: "Failed", Ms: 120.0, Hot: "HotAlpha", Samples: 100),
            (Full: "Suite.Mu_fast" + Pages.Evil, Outcome: "Skipped", Ms: 50.0, Hot: "HotMu", Samples: 40),
        };
        var entries = new List<TestIndexEntry>();
        foreach (var (test, i) in tests.Select((t, i) => (t, i)))
        {
            string name = Profiling.ArtifactFileName.From(test.Full);
            var profile = Pages.Create((new[] { Pages.Native("main"), Pages.Managed(test.Hot) }, test.Samples));
            Pages.WriteFlameGraph(profile, Path.Combine(root, $"t{i}"), name, test.Full);
            entries.Add(new TestIndexEntry(test.Full.Split('.').Last(), test.Full, test.Outcome, test.Ms, test.Samples,
                new[] { new HotFrame(test.Hot, "App", test.Samples, 100) }, $"t{i}/{name}.flamegraph.html", null));
        }
        var index = new RunIndex("Pages test run", "perf record -p 1", "host", "cpu-clock", 999, 390, 0, DateTimeOffset.UtcNow, 1.5,
            Array.Empty<string>(), null, entries);
        string path = Path.Combine(root, "index.html");
        using var stream = File.Create(path);
        RunIndexWriter.WriteHtml(index, stream);
        return path;
    }
}
