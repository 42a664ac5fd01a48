using System.Text.Json;

namespace PerfTestKit.Collector.Tests;

/// <summary>
/// The package as a user meets it: packed into a local feed, referenced by fresh NUnit and xUnit projects outside
/// the repository, run with the real `dotnet test` under the real perf.
/// </summary>
public class EndToEndTests
{
    private static readonly Lazy<(SampleTestProjects.RunResult Run, TrxReport Trx)> NUnitCollect = new(() => RunCollect("NUnitSample", "nunit"));
    private static readonly Lazy<(SampleTestProjects.RunResult Run, TrxReport Trx)> XUnitAttached = new(() => RunCollect("XUnitSample", "xunit", "-p:PerfProfileAttachToResults=true"));

    [Test]
    public void Collect_writes_a_flame_graph_and_a_gecko_profile_for_every_NUnit_test_beside_the_index_and_no_TRX_attachment()
    {
        var (run, trx) = NUnitCollect.Value;
        AssertPerTestFiles(RunFolder.LoadSingle(run.ResultsDirectory).TestFiles);
        Assert.That(trx.TestAttachments.Values.SelectMany(a => a), Is.Empty, "no per-test round trip, so no per-test TRX attachment");
    }

    [Test]
    public void With_AttachToResults_every_xUnit_test_result_has_its_flame_graph_and_gecko_profile_attached()
    {
        var (run, trx) = XUnitAttached.Value;
        AssertPerTestFiles(trx.TestAttachments);
        Assert.That(trx.SessionAttachments.Select(Path.GetFileName), Is.SupersetOf(new[] { "index.html", "run.gecko.json" }));
        Assert.That(RunFolder.LoadAll(run.ResultsDirectory), Is.Empty, "the files go through VSTest only");
    }

    [Test]
    public void The_run_folder_holds_the_index_and_a_run_profile_with_one_marker_per_test_and_VSTest_is_sent_nothing()
    {
        var (run, trx) = NUnitCollect.Value;
        var folder = RunFolder.LoadSingle(run.ResultsDirectory);
        foreach (var name in new[] { "index.html", "run.gecko.json", "perftestkit-summary.json" }) Assert.That(File.Exists(folder.File(name)), Is.True, name);
        Assert.That(File.Exists(folder.File("stacks.folded")), Is.False, "the run's folded stacks come with the folded format only");
        // Attachments would make dotnet test start a second vstest.console to process them; the build's report says where the index is.
        Assert.That(trx.SessionAttachments, Is.Empty);
        Assert.That(run.Output, Does.Contain("index: ").And.Contain(Path.GetFileName(folder.Directory) + "/index.html"), "the build says where the index is");
        foreach (var file in folder.Rows.SelectMany(r => r.Files)) Assert.That(File.Exists(file), Is.True, file);

        using var gecko = JsonDocument.Parse(File.ReadAllBytes(folder.File("run.gecko.json")));
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

        string index = File.ReadAllText(folder.File("index.html"));
        Assert.That(index, Does.Contain("Uses_alpha").And.Contain("Uses_beta").And.Not.Contain("https://"));
    }

    /// <summary>
    /// A suite shaped like a real one: a few hundred tests shorter than a sampling period and two heavy ones. Every
    /// test has its row in the index and the summary; the short ones have a note instead of files (and no TRX
    /// attachment), the heavy ones have pages that name their hot method.
    /// </summary>
    [TestCase("nunit")]
    [TestCase("xunit")]
    public void A_suite_of_hundreds_of_short_tests_gets_a_row_for_each_and_pages_only_for_the_heavy_ones(string framework)
    {
        string project = SampleTestProjects.Create($"ShortSuite-{framework}", framework, perfProfileProperty: true, SampleTestProjects.ShortTests(framework, 300));
        // Release: loops are compiled with on-stack replacement there, whose stacks perf cannot walk past.
        var run = SampleTestProjects.DotnetTest(project, new[] { "-c", "Release" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        var trx = TrxReport.Load(run.ResultsDirectory);
        Assert.That(trx.TestAttachments, Has.Count.EqualTo(302), "every test ran");
        Assert.That(trx.TestAttachments.Values.SelectMany(a => a), Is.Empty, "no TRX attachments by default");
        var folder = RunFolder.LoadSingle(run.ResultsDirectory);
        Assert.That(folder.Rows, Has.Count.EqualTo(302), "every test has its row");
        var shortRows = folder.Rows.Where(r => r.Name.Contains("Z_short", StringComparison.Ordinal)).ToList();
        Assert.That(shortRows, Has.Count.EqualTo(300));
        foreach (var row in shortRows.Where(r => r.Samples < 10))
        {
            Assert.That(row.Files, Is.Empty, row.Name);
            Assert.That(row.Note, Does.StartWith("no samples: shorter than one sampling period at 999 Hz").Or.Contain("fewer than the 10"), row.Name);
        }
        Assert.That(shortRows.Count(r => r.Samples < 10), Is.GreaterThan(290), "nearly all of them are too short for a page");
        var files = Directory.GetFiles(folder.Directory, "*", SearchOption.AllDirectories);
        Assert.That(files.Where(f => f.Contains("Z_short", StringComparison.Ordinal)).Count(), Is.LessThanOrEqualTo(2 * shortRows.Count(r => r.Samples >= 10)),
            "files only for short tests that had enough samples");
        AssertPerTestFiles(folder.TestFiles.Where(t => t.Key.Contains("Uses_", StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value));
        // Each heavy test burns 300 ms in one loop: its samples are its own, not one or two before the loop's code
        // was replaced (which is what a Release build's stacks gave when OSR cut them off below the test method).
        foreach (var heavy in folder.Rows.Where(r => r.Name.Contains("Uses_", StringComparison.Ordinal)))
        {
            Assert.That(heavy.Samples, Is.GreaterThanOrEqualTo(100), heavy.Name);
        }
        string index = File.ReadAllText(folder.File("index.html"));
        Assert.That(index, Does.Contain("shorter than one sampling period"));
    }

    [Test]
    public void The_PerfProfile_property_alone_profiles_a_plain_dotnet_test_and_reports_where_the_index_is()
    {
        string project = SampleTestProjects.Create("PropertySample", "nunit", perfProfileProperty: true);
        string stepSummary = Path.Combine(project, "step-summary.md");
        var run = SampleTestProjects.DotnetTest(project, Array.Empty<string>(), new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = stepSummary });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        AssertPerTestFiles(RunFolder.LoadSingle(run.ResultsDirectory).TestFiles);
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

    /// <summary>
    /// A project under Central Package Management, as many open-source repositories are, referenced as the README's
    /// Install section says (the version in Directory.Packages.props), switched on from the command line.
    /// </summary>
    [Test]
    public void A_project_with_central_package_management_is_profiled_with_the_property_on_the_command_line()
    {
        string project = SampleTestProjects.Create("CentralPackages", "nunit", perfProfileProperty: false);
        string csproj = Path.Combine(project, "CentralPackages.csproj");
        // Every version moves to Directory.Packages.props; the project names packages only.
        string text = File.ReadAllText(csproj);
        var versions = System.Text.RegularExpressions.Regex.Matches(text, "<PackageReference Include=\"([^\"]+)\" Version=\"([^\"]+)\" />")
            .Select(m => (Id: m.Groups[1].Value, Version: m.Groups[2].Value)).ToList();
        Assert.That(versions.Select(v => v.Id), Does.Contain("PerfTestKit"));
        File.WriteAllText(csproj, System.Text.RegularExpressions.Regex.Replace(text, " Version=\"[^\"]+\" />", " />"));
        File.WriteAllText(Path.Combine(project, "Directory.Packages.props"), $"""
            <Project>
              <PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup>
              <ItemGroup>
                {string.Concat(versions.Select(v => $"<PackageVersion Include=\"{v.Id}\" Version=\"{v.Version}\" />"))}
              </ItemGroup>
            </Project>
            """);
        var run = SampleTestProjects.DotnetTest(project, new[] { "-p:PerfProfile=true" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        Assert.That(run.Output, Does.Not.Contain("NU1008"));
        AssertPerTestFiles(RunFolder.LoadSingle(run.ResultsDirectory).TestFiles);
    }

    [Test]
    public void Without_perf_the_run_passes_with_one_warning_and_no_attachments()
    {
        string project = SampleTestProjects.Create("NoPerfSample", "nunit", perfProfileProperty: false);
        string stepSummary = Path.Combine(project, "step-summary.md");
        // A PATH with dotnet but without perf.
        var run = SampleTestProjects.DotnetTest(project, new[] { "--collect:PerfProfile" }, new Dictionary<string, string>
        {
            ["PATH"] = Path.GetDirectoryName(Environment.ProcessPath!) ?? "/usr/share/dotnet",
            ["GITHUB_STEP_SUMMARY"] = stepSummary,
        });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        Assert.That(run.Output, Does.Contain("Passed!"));
        var warnings = run.Output.Split('\n').Where(l => l.Contains("PerfProfile: profiling is off", StringComparison.Ordinal)).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1), run.Output);
        Assert.That(warnings[0], Does.Contain("'perf' was not found on PATH; fix: sudo apt-get install linux-perf"), "what happened and the fix, in one line");
        Assert.That(File.ReadAllText(stepSummary), Does.Contain("profiling is off for this run: 'perf' was not found on PATH; fix:"), "and where a CI user looks");
        var trx = TrxReport.Load(run.ResultsDirectory);
        Assert.That(trx.TestAttachments.Values.SelectMany(a => a), Is.Empty);
        Assert.That(trx.SessionAttachments, Is.Empty);
    }

    private static (SampleTestProjects.RunResult, TrxReport) RunCollect(string name, string framework, params string[] extraArgs)
    {
        string project = SampleTestProjects.Create(name, framework, perfProfileProperty: false);
        var run = SampleTestProjects.DotnetTest(project, new[] { "--collect:PerfProfile" }.Concat(extraArgs));
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        return (run, TrxReport.Load(run.ResultsDirectory));
    }

    /// <summary>Each test has both files, and its flame graph names its own hot method and not the other test's.</summary>
    private static void AssertPerTestFiles(Dictionary<string, List<string>> testFiles)
    {
        Assert.That(testFiles.Keys.Select(k => k.Split('.').Last()), Is.EquivalentTo(new[] { "Uses_alpha", "Uses_beta" }));
        foreach (var (test, files) in testFiles)
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
