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

    /// <summary>
    /// A large suite's index: 5,000 rows sort and filter correctly; how long each takes in the page (until the next
    /// frame) is printed, a figure for the README, not a pass mark.
    /// </summary>
    [Test]
    public async Task Five_thousand_rows_sort_and_filter_and_the_time_each_takes_is_printed()
    {
        string root = Path.Combine(BrowserFixture.OutputDirectory, "index-large");
        Directory.CreateDirectory(root);
        var entries = Enumerable.Range(0, 5000).Select(i => new TestIndexEntry($"Case_{i:D4}", $"Suite.Class{i % 97}.Case_{i:D4}", i % 50 == 0 ? "Failed" : "Passed",
            (i * 7919) % 5000 / 10.0, (i * 7919) % 5000 / 10, new[] { new HotFrame($"Hot{i % 13}", "App", 1, 50) },
            i % 10 == 0 ? $"tests/Case_{i:D4}.flamegraph.html" : null, null, i % 10 == 0 ? null : "no samples: shorter than one sampling period at 999 Hz")).ToList();
        var index = new RunIndex("Large run", "perf record -p 1", "host", "cpu-clock", 999, 5000, 0, DateTimeOffset.UtcNow, 60,
            Array.Empty<string>(), null, entries);
        string path = Path.Combine(root, "index.html");
        using (var stream = File.Create(path)) RunIndexWriter.WriteHtml(index, stream);

        var watched = await BrowserFixture.OpenAsync(path);
        var page = watched.Page;
        Assert.That(await page.Locator("tr.test-row").CountAsync(), Is.EqualTo(5000));
        // Milliseconds from the event to the next frame the page can draw.
        const string timed = """
            async (action) => {
              const start = performance.now();
              if (action === 'sort') document.querySelector('th[data-sort="name"]').click();
              else { const f = document.getElementById('filter'); f.value = 'Class7.'; f.dispatchEvent(new Event('input')); }
              await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
              return performance.now() - start;
            }
            """;
        double sortMs = await page.EvaluateAsync<double>(timed, "sort");
        var order = await RowOrder(watched);
        Assert.That(order, Is.EqualTo(entries.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => e.FullName)), "sorted by name");
        double filterMs = await page.EvaluateAsync<double>(timed, "filter");
        int expected = entries.Count(e => e.FullName.Contains("Class7.", StringComparison.OrdinalIgnoreCase));
        Assert.That(await RowOrder(watched), Has.Count.EqualTo(expected));
        Assert.That(await page.TextContentAsync("#filter-info"), Is.EqualTo($"{expected} of 5,000 tests"));
        TestContext.Out.WriteLine($"5,000-row index in headless Chromium: sort by name {sortMs:F0} ms, filter {filterMs:F0} ms (to the next frame)");
        Assert.That(watched.Problems, Is.Empty);
    }

    /// <summary>The visible rows' names from top to bottom, as drawn (sorting orders rows with CSS, not in the document).</summary>
    private static async Task<List<string>> RowOrder(WatchedPage watched) =>
        (await watched.Page.EvaluateAsync<string[]>("""
            () => Array.from(document.querySelectorAll('tr.test-row')).filter(tr => tr.offsetParent !== null)
              .map(tr => [tr.getBoundingClientRect().top, tr.getAttribute('data-name')]).sort((a, b) => a[0] - b[0]).map(p => p[1])
            """)).ToList();

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
