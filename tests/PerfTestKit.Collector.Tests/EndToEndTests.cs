using System.Text.Json;

namespace PerfTestKit.Collector.Tests;

/// <summary>
/// The package as a user meets it: packed into a local feed, referenced by fresh NUnit and xUnit projects outside
/// the repository, run with the real `dotnet test` under the real perf.
/// </summary>
public class EndToEndTests
{
    private static readonly Lazy<(SampleTestProjects.RunResult Run, TrxReport Trx)> NUnitCollect = new(() => RunCollect("NUnitSample", "nunit"));
    private static readonly Lazy<(SampleTestProjects.RunResult Run, TrxReport Trx)> XUnitCollect = new(() => RunCollect("XUnitSample", "xunit"));

    [Test]
    public void Collect_attaches_a_flame_graph_and_a_gecko_profile_to_every_NUnit_test_result() => AssertPerTestAttachments(NUnitCollect.Value.Trx);

    [Test]
    public void Collect_attaches_a_flame_graph_and_a_gecko_profile_to_every_xUnit_test_result() => AssertPerTestAttachments(XUnitCollect.Value.Trx);

    [Test]
    public void Session_attachments_hold_the_index_and_a_run_profile_with_one_marker_per_test()
    {
        var trx = NUnitCollect.Value.Trx;
        Assert.That(trx.SessionAttachments.Select(Path.GetFileName), Is.SupersetOf(new[] { "index.html", "run.gecko.json", "stacks.folded" }));
        foreach (var file in trx.SessionAttachments) Assert.That(File.Exists(file), Is.True, file);

        using var gecko = JsonDocument.Parse(File.ReadAllBytes(trx.SessionAttachments.Single(f => f.EndsWith("run.gecko.json", StringComparison.Ordinal))));
        var markers = gecko.RootElement.GetProperty("threads").EnumerateArray()
            .SelectMany(t => t.GetProperty("markers").GetProperty("data").EnumerateArray().Select(m => (Thread: t, Marker: m))).ToList();
        Assert.That(markers, Has.Count.EqualTo(2), "one marker per test");
        var names = markers.Select(m => m.Thread.GetProperty("stringTable")[m.Marker[0].GetInt32()].GetString()).ToList();
        Assert.That(names, Is.EquivalentTo(new[] { "Uses_alpha", "Uses_beta" }));
        foreach (var (thread, marker) in markers)
        {
            Assert.That(marker[5].GetProperty("outcome").GetString(), Is.EqualTo("Passed"));
            // Each test burns 300 ms of wall time; its samples lie inside the run of its method, which NUnit times.
            string test = thread.GetProperty("stringTable")[marker[0].GetInt32()].GetString()!;
            double markerMs = marker[2].GetDouble() - marker[1].GetDouble();
            Assert.That(markerMs, Is.GreaterThan(200.0), test);
            Assert.That(markerMs, Is.LessThanOrEqualTo(trx.Durations[test].TotalMilliseconds + 5), $"{test}: within the duration NUnit measured");
        }

        string index = File.ReadAllText(trx.SessionAttachments.Single(f => f.EndsWith("index.html", StringComparison.Ordinal)));
        Assert.That(index, Does.Contain("Uses_alpha").And.Contain("Uses_beta").And.Not.Contain("https://"));
    }

    /// <summary>
    /// Most tests of a large suite are shorter than a sampling period: they keep their row in the index and the
    /// summary, with a note instead of a page, and get no files and no TRX attachments; the tests with enough samples
    /// keep theirs.
    /// </summary>
    [Test]
    public void Tests_with_fewer_samples_than_the_minimum_get_a_row_with_a_note_and_no_files()
    {
        string project = SampleTestProjects.Create("ShortSample", "nunit", perfProfileProperty: false,
            "[NUnit.Framework.TestCase(1)] [NUnit.Framework.TestCase(2)] [NUnit.Framework.TestCase(3)] public void Z_short(int n) { }");
        var run = SampleTestProjects.DotnetTest(project, new[] { "--collect:PerfProfile" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        var trx = TrxReport.Load(run.ResultsDirectory);
        var shortTests = trx.TestAttachments.Where(t => t.Key.StartsWith("Z_short", StringComparison.Ordinal)).ToList();
        Assert.That(shortTests, Has.Count.EqualTo(3));
        Assert.That(shortTests.SelectMany(t => t.Value), Is.Empty, "no TRX attachments for tests below the minimum");
        Assert.That(trx.TestAttachments["Uses_alpha"], Has.Some.EndsWith(".flamegraph.html"), "a test with enough samples keeps its page");
        var files = Directory.GetFiles(run.ResultsDirectory, "*", SearchOption.AllDirectories);
        Assert.That(files.Where(f => f.Contains("Z_short", StringComparison.Ordinal)), Is.Empty, "no files for them either");

        string summary = files.First(f => f.EndsWith("perftestkit-summary.json", StringComparison.Ordinal) && !f.Contains("/In/", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(summary));
        var rows = doc.RootElement.GetProperty("tests").EnumerateArray().ToList();
        Assert.That(rows, Has.Count.EqualTo(5), "every test has its row");
        foreach (var row in rows.Where(r => r.GetProperty("name").GetString()!.StartsWith("Z_short", StringComparison.Ordinal)))
        {
            Assert.That(row.GetProperty("samples").GetInt32(), Is.LessThan(10));
            Assert.That(row.GetProperty("flameGraph").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(row.GetProperty("note").GetString(), Does.StartWith("no samples: shorter than one sampling period at 999 Hz").Or.Contain("fewer than the 10"));
        }
        var alpha = rows.Single(r => r.GetProperty("name").GetString() == "Uses_alpha");
        Assert.That(alpha.GetProperty("note").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(alpha.GetProperty("flameGraph").GetString(), Does.EndWith(".flamegraph.html"));
    }

    [Test]
    public void The_PerfProfile_property_alone_profiles_a_plain_dotnet_test_and_reports_where_the_index_is()
    {
        string project = SampleTestProjects.Create("PropertySample", "nunit", perfProfileProperty: true);
        string stepSummary = Path.Combine(project, "step-summary.md");
        var run = SampleTestProjects.DotnetTest(project, Array.Empty<string>(), new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = stepSummary });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        AssertPerTestAttachments(TrxReport.Load(run.ResultsDirectory));
        Assert.That(run.Output, Does.Contain("PerfTestKit: 2 tests profiled").And.Contain("index: ").And.Contain("HotTests::HotAlpha(int32)"));
        // Each test's line names its own hot method as its hottest frame (found when the index is written).
        foreach (var (test, hot) in new[] { ("Uses_alpha", "HotTests::HotAlpha(int32)"), ("Uses_beta", "HotTests::HotBeta(int32)") })
        {
            string line = run.Output.Split('\n').First(l => l.Contains(" ms  ", StringComparison.Ordinal) && l.Contains(test, StringComparison.Ordinal));
            Assert.That(line, Does.Contain(hot), run.Output);
        }
        string indexLine = run.Output.Split('\n').First(l => l.Contains("index: ", StringComparison.Ordinal));
        Assert.That(File.Exists(indexLine[(indexLine.IndexOf("index: ", StringComparison.Ordinal) + 7)..].Trim()), Is.True, indexLine);
        Assert.That(File.ReadAllText(stepSummary), Does.Contain("| Test | Duration (ms) | Samples | Hottest frame |").And.Contain("Uses_alpha"));
    }

    [Test]
    public void Without_perf_the_run_passes_with_one_warning_and_no_attachments()
    {
        string project = SampleTestProjects.Create("NoPerfSample", "nunit", perfProfileProperty: false);
        // A PATH with dotnet but without perf.
        var run = SampleTestProjects.DotnetTest(project, new[] { "--collect:PerfProfile" },
            new Dictionary<string, string> { ["PATH"] = Path.GetDirectoryName(Environment.ProcessPath!) ?? "/usr/share/dotnet" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        Assert.That(run.Output, Does.Contain("Passed!"));
        var warnings = run.Output.Split('\n').Where(l => l.Contains("PerfProfile: profiling is off", StringComparison.Ordinal)).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1), run.Output);
        Assert.That(warnings[0], Does.Contain("perf"));
        var trx = TrxReport.Load(run.ResultsDirectory);
        Assert.That(trx.TestAttachments.Values.SelectMany(a => a), Is.Empty);
        Assert.That(trx.SessionAttachments, Is.Empty);
    }

    private static (SampleTestProjects.RunResult, TrxReport) RunCollect(string name, string framework)
    {
        string project = SampleTestProjects.Create(name, framework, perfProfileProperty: false);
        var run = SampleTestProjects.DotnetTest(project, new[] { "--collect:PerfProfile" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        return (run, TrxReport.Load(run.ResultsDirectory));
    }

    /// <summary>Each test has both files, and its flame graph names its own hot method and not the other test's.</summary>
    private static void AssertPerTestAttachments(TrxReport trx)
    {
        Assert.That(trx.TestAttachments.Keys.Select(k => k.Split('.').Last()), Is.EquivalentTo(new[] { "Uses_alpha", "Uses_beta" }));
        foreach (var (test, files) in trx.TestAttachments)
        {
            Assert.That(files.Select(f => Path.GetExtension(f)), Is.EquivalentTo(new[] { ".html", ".json" }), test);
            foreach (var file in files) Assert.That(File.Exists(file), Is.True, file);
            var frames = TrxReport.FlameGraphFrames(files.Single(f => f.EndsWith(".flamegraph.html", StringComparison.Ordinal)));
            bool alpha = test.EndsWith("Uses_alpha", StringComparison.Ordinal);
            string mine = alpha ? "HotTests::HotAlpha(int32)" : "HotTests::HotBeta(int32)";
            string other = alpha ? "HotTests::HotBeta(int32)" : "HotTests::HotAlpha(int32)";
            Assert.That(frames, Does.Contain(mine), $"{test}'s flame graph names {mine}");
            Assert.That(frames, Does.Not.Contain(other), $"{test}'s flame graph does not name {other}");
            using var gecko = JsonDocument.Parse(File.ReadAllBytes(files.Single(f => f.EndsWith(".gecko.json", StringComparison.Ordinal))));
            Assert.That(gecko.RootElement.GetProperty("meta").GetProperty("version").GetInt32(), Is.EqualTo(24));
        }
    }
}
