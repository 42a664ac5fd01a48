using System.Text.Json;

namespace PerfTestKit.Collector.Tests;

/// <summary>
/// The package on Microsoft.Testing.Platform: fresh NUnit (MTP 1.x) and MSTest (MTP 2.x) projects whose global.json
/// makes the real `dotnet test` run them on the platform, profiled under the real perf.
/// </summary>
public class TestingPlatformEndToEndTests
{
    [Test]
    public void NUnit_on_the_platform_with_PerfProfile_true_gets_a_flame_graph_and_a_gecko_profile_per_test_and_the_run_files()
    {
        string project = SampleTestProjects.Create("NUnitOnPlatform", "nunit-mtp", perfProfileProperty: true);
        var (run, artifacts) = SampleTestProjects.DotnetTestOnTestingPlatform(project, Array.Empty<string>());
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        AssertProfiles(artifacts);
    }

    [Test]
    public void MSTest_on_platform_2_with_the_perf_profile_option_gets_the_same_files()
    {
        string project = SampleTestProjects.Create("MSTestOnPlatform", "mstest-mtp", perfProfileProperty: false);
        var (plain, plainArtifacts) = SampleTestProjects.DotnetTestOnTestingPlatform(project, Array.Empty<string>());
        Assert.That(plain.ExitCode, Is.EqualTo(0), plain.Output);
        Assert.That(plainArtifacts, Is.Empty, "off unless switched on");

        var (run, artifacts) = SampleTestProjects.DotnetTestOnTestingPlatform(project, new[] { "--perf-profile", "Frequency=1999", "Formats=html,gecko,folded" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        AssertProfiles(artifacts);
        using var summary = JsonDocument.Parse(File.ReadAllBytes(artifacts.Single(a => a.EndsWith("perftestkit-summary.json", StringComparison.Ordinal))));
        Assert.That(summary.RootElement.GetProperty("summary").GetProperty("frequency").GetInt32(), Is.EqualTo(1999), "the option's setting is used");
        Assert.That(artifacts.Select(Path.GetFileName), Does.Contain("stacks.folded"), "with the folded format, the run's folded stacks");
        Assert.That(artifacts.Count(a => a.EndsWith(".folded", StringComparison.Ordinal) && Path.GetFileName(a) != "stacks.folded"), Is.EqualTo(2), "and each test's");
    }

    [Test]
    public void A_suite_of_hundreds_of_short_tests_on_the_platform_gets_a_row_for_each_and_files_only_for_the_heavy_ones()
    {
        string project = SampleTestProjects.Create("ShortSuiteOnPlatform", "nunit-mtp", perfProfileProperty: true, SampleTestProjects.ShortTests("nunit-mtp", 300));
        // Release: see the VSTest suite's test (loops and on-stack replacement).
        var (run, artifacts) = SampleTestProjects.DotnetTestOnTestingPlatform(project, new[] { "-c", "Release" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        var folder = RunFolder.LoadSingle(run.ResultsDirectory);
        foreach (var heavy in folder.Rows.Where(r => r.Name.Contains("Uses_", StringComparison.Ordinal)))
        {
            Assert.That(heavy.Samples, Is.GreaterThanOrEqualTo(100), heavy.Name);
        }
        Assert.That(folder.Rows, Has.Count.EqualTo(302), "every test has its row");
        var shortRows = folder.Rows.Where(r => r.Name.Contains("Z_short", StringComparison.Ordinal)).ToList();
        Assert.That(shortRows.Count(r => r.Samples < 10), Is.GreaterThan(290), "nearly all of them are too short for a page");
        foreach (var row in shortRows.Where(r => r.Samples < 10)) Assert.That(row.Files, Is.Empty, row.Name);
        // Artifacts: each heavy test's two files, the run's files, and at most two per short test with enough samples.
        Assert.That(artifacts.Count(a => a.Contains("Z_short", StringComparison.Ordinal)), Is.LessThanOrEqualTo(2 * shortRows.Count(r => r.Samples >= 10)));
        AssertProfiles(artifacts.Where(a => !a.Contains("Z_short", StringComparison.Ordinal)).ToList(), markers: 302);
    }

    [Test]
    public void Without_perf_the_platform_run_passes_with_one_warning_and_no_profiles()
    {
        string project = SampleTestProjects.Create("NoPerfOnPlatform", "nunit-mtp", perfProfileProperty: true);
        var (run, artifacts) = SampleTestProjects.DotnetTestOnTestingPlatform(project, Array.Empty<string>(),
            new Dictionary<string, string> { ["PATH"] = Path.GetDirectoryName(Environment.ProcessPath!) ?? "/usr/share/dotnet" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        Assert.That(run.Output, Does.Contain("succeeded: 2"));
        // `dotnet test` shows a platform application's artifacts, not what its extensions display: the warning is one.
        Assert.That(artifacts, Has.Count.EqualTo(1), run.Output);
        Assert.That(Path.GetFileName(artifacts[0]), Is.EqualTo("PerfProfile-warning.txt"));
        Assert.That(File.ReadAllText(artifacts[0]), Does.Contain("PerfProfile: profiling is off").And.Contain("'perf' was not found"));
        Assert.That(Directory.EnumerateFiles(run.ResultsDirectory, "*.flamegraph.html", SearchOption.AllDirectories), Is.Empty);
    }

    /// <summary>
    /// Each test has its flame graph and Gecko profile, named after it, and the flame graph names its own hot method
    /// and not the other test's; the run has its index and a Gecko profile with one marker per test.
    /// </summary>
    private static void AssertProfiles(List<string> artifacts, int markers = 2)
    {
        foreach (var file in artifacts) Assert.That(File.Exists(file), Is.True, file);
        // What the run said of itself, for the messages below.
        string said = File.ReadAllText(artifacts.Single(a => a.EndsWith("perftestkit-summary.json", StringComparison.Ordinal)))
            + (artifacts.SingleOrDefault(a => Path.GetFileName(a) == "stacks.folded") is { } runFolded
                ? "; the run's heaviest stacks: " + string.Join(" | ", File.ReadAllLines(runFolded)
                    .OrderByDescending(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Take(5))
                : "");
        foreach (var (test, mine, other) in new[] { ("Uses_alpha", "HotTests::HotAlpha(int32)", "HotTests::HotBeta(int32)"), ("Uses_beta", "HotTests::HotBeta(int32)", "HotTests::HotAlpha(int32)") })
        {
            var files = artifacts.Where(a => Path.GetFileName(a).StartsWith($"HotTests.{test}.", StringComparison.Ordinal) && !a.EndsWith(".folded", StringComparison.Ordinal)).ToList();
            Assert.That(files.Select(Path.GetExtension), Is.EquivalentTo(new[] { ".html", ".json" }), test);
            var frames = TrxReport.FlameGraphFrames(files.Single(f => f.EndsWith(".flamegraph.html", StringComparison.Ordinal)));
            Assert.That(frames, Does.Contain(mine), $"{test}'s flame graph names {mine}; the run's summary: {said}");
            Assert.That(frames, Does.Not.Contain(other), $"{test}'s flame graph does not name {other}");
            using var gecko = JsonDocument.Parse(File.ReadAllBytes(files.Single(f => f.EndsWith(".gecko.json", StringComparison.Ordinal))));
            Assert.That(gecko.RootElement.GetProperty("meta").GetProperty("version").GetInt32(), Is.EqualTo(24));
        }
        Assert.That(artifacts.Select(Path.GetFileName), Is.SupersetOf(new[] { "index.html", "run.gecko.json" }));

        string index = File.ReadAllText(artifacts.Single(a => a.EndsWith("index.html", StringComparison.Ordinal)));
        Assert.That(index, Does.Contain("Uses_alpha").And.Contain("Uses_beta").And.Not.Contain("https://"));
        // The index links each test's files relative to itself.
        string runDirectory = Path.GetDirectoryName(artifacts.Single(a => a.EndsWith("index.html", StringComparison.Ordinal)))!;
        Assert.That(index, Does.Contain("tests/HotTests.Uses_alpha/HotTests.Uses_alpha.flamegraph.html"));
        Assert.That(File.Exists(Path.Combine(runDirectory, "tests/HotTests.Uses_alpha/HotTests.Uses_alpha.flamegraph.html")), Is.True);

        using var run = JsonDocument.Parse(File.ReadAllBytes(artifacts.Single(a => a.EndsWith("run.gecko.json", StringComparison.Ordinal))));
        var markerNames = run.RootElement.GetProperty("threads").EnumerateArray()
            .SelectMany(t => t.GetProperty("markers").GetProperty("data").EnumerateArray().Select(m => t.GetProperty("stringTable")[m[0].GetInt32()].GetString()))
            .ToList();
        Assert.That(markerNames, Has.Count.EqualTo(markers), "one marker per test");
        Assert.That(markerNames, Is.SupersetOf(new[] { "Uses_alpha", "Uses_beta" }));
    }
}
