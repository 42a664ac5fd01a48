using System.Text.Json;

namespace PerfTestKit.Collector.Tests;

/// <summary>
/// `perftestkit diff` on real runs of one project: unchanged, nothing is reported; one test's method given six times
/// the work (an environment variable scales it), that test and only it, with that method as the frame that grew.
/// Six times: CI runs these beside other work on a 2-core virtual machine, where a fixed amount of work took up to a
/// third more or less CPU time from run to run; with that spread, three times the work once did not stand out
/// (z 3.2 < 4). What twice the work gives on a quiet machine is measured by bench/diff-noise (README), not here.
/// </summary>
[NonParallelizable]
public class DiffTests
{
    // Judged at 60%, not the default 25%: the mechanics are checked here, beside whatever else CI runs; six times the
    // work is far past it, and an unchanged test moving by 60% beyond the runs' spread would be a real defect.
    private const string Threshold = "60";

    // Seven tests of fixed work; DIFF_SCALE multiplies one test's (Tokenizes) work. bench/diff-noise runs the same file.
    private static readonly Lazy<string> Code = new(() => File.ReadAllText(Path.Combine(SampleTestProjects.RepositoryRoot(), "bench", "DiffNoise", "DiffTests.cs")));

    [Test]
    public void Unchanged_runs_show_no_change_and_a_test_made_six_times_as_slow_is_the_one_reported_with_its_method()
    {
        string project = SampleTestProjects.CreateWithCode("DiffSample", "nunit", Code.Value);
        string Run(string label, int scale)
        {
            var run = SampleTestProjects.DotnetTest(project, Array.Empty<string>(), new Dictionary<string, string> { ["DIFF_SCALE"] = scale.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
            string kept = Path.Combine(SampleTestProjects.Root, "diff-runs", label);
            Directory.CreateDirectory(Path.GetDirectoryName(kept)!);
            var folder = RunFolder.LoadSingle(run.ResultsDirectory);
            TestContext.Out.WriteLine($"{label}: " + string.Join(", ", folder.Rows.Select(r => $"{r.Name} {r.Samples}")));
            Directory.Move(folder.Directory, kept);
            return kept;
        }
        string baseRun = Run("base", 1), same = Run("same", 1), slower = Run("slower", 6);

        var unchanged = Perftestkit("diff", baseRun, same, "--threshold", Threshold, "--fail-on-regression", "25");
        Assert.That(unchanged.ExitCode, Is.EqualTo(0), unchanged.Output);
        Assert.That(unchanged.Output, Does.Contain("0 of 7 tests changed beyond noise"), unchanged.Output);

        string output = Path.Combine(SampleTestProjects.Root, "diff-out");
        var changed = Perftestkit("diff", baseRun, slower, "--threshold", Threshold, "-o", output);
        Assert.That(changed.ExitCode, Is.EqualTo(0), changed.Output);
        Assert.That(changed.Output, Does.Contain("1 of 7 tests changed beyond noise (1 slower)"), changed.Output);
        string line = changed.Output.Split('\n').Single(l => l.Contains(" ms -> ", StringComparison.Ordinal));
        Assert.That(line, Does.StartWith("DiffTests.Tokenizes  ").And.Contain("grew: DiffTests::Tokenize(int32)"), line);

        Assert.That(File.ReadAllText(Path.Combine(output, "index.html")), Does.Contain("DiffTests.Tokenizes"));
        Assert.That(Directory.GetFiles(Path.Combine(output, "tests")).Select(Path.GetFileName), Is.EqualTo(new[] { "DiffTests.Tokenizes.diff.html" }), "a differential flame graph for the changed test only");
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "diff.json")));
        var tests = json.RootElement.GetProperty("tests").EnumerateArray().ToList();
        Assert.That(tests.Select(t => t.GetProperty("fullName").GetString()), Has.Member("DiffTests.Parses_case(2)"), "cases matched with their arguments");
        var slow = tests.Single(t => t.GetProperty("significant").GetBoolean());
        Assert.That(slow.GetProperty("fullName").GetString(), Is.EqualTo("DiffTests.Tokenizes"));
        Assert.That(slow.GetProperty("changePercent").GetDouble(), Is.InRange(150, 1500), "six times the work");
        Assert.That(slow.GetProperty("headSamples").GetInt32(), Is.GreaterThan(slow.GetProperty("baseSamples").GetInt32() * 3 / 2));
        var frame = slow.GetProperty("topFrames")[0];
        Assert.That(frame.GetProperty("name").GetString(), Is.EqualTo("DiffTests::Tokenize(int32)"));
        Assert.That(frame.GetProperty("headSamples").GetInt32(), Is.GreaterThan(frame.GetProperty("baseSamples").GetInt32()));

        var gate = Perftestkit("diff", baseRun, slower, "--threshold", Threshold, "--fail-on-regression", "25");
        Assert.That(gate.ExitCode, Is.EqualTo(8), gate.Output);
        Assert.That(gate.Output, Does.Contain("DiffTests.Tokenizes got slower by"));
    }

    /// <summary>
    /// The same through the build: PerfProfileBaseline makes the report after `dotnet test` compare, and
    /// PerfProfileFailOnRegression turns the slowed test into a build error that names it and its method; a
    /// baseline that is not there is one warning and the run stays green.
    /// </summary>
    [Test]
    public void A_baseline_in_the_build_reports_the_slower_test_and_fails_the_build_past_the_threshold()
    {
        string project = SampleTestProjects.CreateWithCode("BaselineSample", "nunit", Code.Value);
        var first = SampleTestProjects.DotnetTest(project, Array.Empty<string>());
        Assert.That(first.ExitCode, Is.EqualTo(0), first.Output);
        string baseline = Path.Combine(SampleTestProjects.Root, "baseline-run");
        Directory.Move(RunFolder.LoadSingle(first.ResultsDirectory).Directory, baseline);
        string stepSummary = Path.Combine(project, "step-summary.md");

        var same = SampleTestProjects.DotnetTest(project, new[] { $"-p:PerfProfileBaseline={baseline}", $"-p:PerfProfileDiffThreshold={Threshold}", "-p:PerfProfileFailOnRegression=25" });
        Assert.That(same.ExitCode, Is.EqualTo(0), same.Output);
        Assert.That(same.Output, Does.Contain("PerfTestKit: compared with the baseline").And.Contain("0 of 7 tests changed beyond noise"));
        Assert.That(File.Exists(Path.Combine(RunFolder.LoadSingle(same.ResultsDirectory).Directory, "diff", "diff.json")), Is.True);

        var slower = SampleTestProjects.DotnetTest(project, new[] { $"-p:PerfProfileBaseline={baseline}", $"-p:PerfProfileDiffThreshold={Threshold}", "-p:PerfProfileFailOnRegression=25" },
            new Dictionary<string, string> { ["DIFF_SCALE"] = "6", ["GITHUB_STEP_SUMMARY"] = stepSummary });
        Assert.That(slower.ExitCode, Is.Not.EqualTo(0), "the regression gate fails the build");
        Assert.That(slower.Output, Does.Contain("Passed!"), "the tests themselves passed");
        var errors = slower.Output.Split('\n').Where(l => l.Contains("error", StringComparison.Ordinal) && l.Contains("got slower than the baseline", StringComparison.Ordinal)).Distinct().ToList();
        Assert.That(errors, Is.Not.Empty, slower.Output);
        Assert.That(errors[0], Does.Contain("PerfTestKit: DiffTests.Tokenizes got slower than the baseline by").And.Contain("grew most: DiffTests::Tokenize(int32)"));
        Assert.That(File.ReadAllText(stepSummary), Does.Contain("Compared with the baseline: 1 slower").And.Contain("`DiffTests.Tokenizes`"));

        var missing = SampleTestProjects.DotnetTest(project, new[] { $"-p:PerfProfileBaseline={baseline}-gone", $"-p:PerfProfileDiffThreshold={Threshold}", "-p:PerfProfileFailOnRegression=25" });
        Assert.That(missing.ExitCode, Is.EqualTo(0), missing.Output);
        Assert.That(missing.Output.Split('\n').Where(l => l.Contains("not compared with the baseline", StringComparison.Ordinal)).Distinct().Count(), Is.EqualTo(1), missing.Output);
    }

    [Test]
    public void Folders_that_are_not_runs_are_refused_with_their_exit_codes()
    {
        string empty = Directory.CreateTempSubdirectory("perftestkit-diff-").FullName;
        try
        {
            var missing = Perftestkit("diff", Path.Combine(empty, "nope"), empty);
            Assert.That(missing.ExitCode, Is.EqualTo(2), missing.Output);
            Assert.That(missing.Output, Does.Contain("no such folder"));
            var notRun = Perftestkit("diff", empty, empty);
            Assert.That(notRun.ExitCode, Is.EqualTo(3), notRun.Output);
            Assert.That(notRun.Output, Does.Contain("is not a PerfTestKit run folder"));
            File.WriteAllText(Path.Combine(empty, "perftestkit-stacks.json.gz"), "not gzip");
            var damaged = Perftestkit("diff", empty, empty);
            Assert.That(damaged.ExitCode, Is.EqualTo(3), damaged.Output);
            Assert.That(damaged.Output, Does.Contain("is damaged"));
            using (var file = File.Create(Path.Combine(empty, "perftestkit-stacks.json.gz")))
            using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
            {
                gzip.Write("""{"format":"perftestkit-stacks","version":99,"tests":[],"frames":[]}"""u8);
            }
            var newer = Perftestkit("diff", empty, empty);
            Assert.That(newer.ExitCode, Is.EqualTo(3), newer.Output);
            Assert.That(newer.Output, Does.Contain("is version 99 of the stacks file"));

            // Two runs of different tests.
            string first = Path.Combine(empty, "first"), second = Path.Combine(empty, "second");
            foreach (var (dir, test) in new[] { (first, "T.A"), (second, "T.B") })
            {
                Directory.CreateDirectory(dir);
                using var file = File.Create(Path.Combine(dir, PerfTestKit.Diff.TestStacksFile.FileName));
                PerfTestKit.Diff.TestStacksFile.Write(file, 999, "cpu-clock", new[] { new PerfTestKit.Diff.TestStacksFile.Entry(test, test, "Passed", 1, null, Array.Empty<string>()) });
            }
            var disjoint = Perftestkit("diff", first, second);
            Assert.That(disjoint.ExitCode, Is.EqualTo(7), disjoint.Output);
            Assert.That(disjoint.Output, Does.Contain("the two runs have no test in common (1 tests in"));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    private static ChildProcessResult Perftestkit(params string[] args) =>
        ChildProcess.Run("dotnet", new[] { Path.Combine(TestContext.CurrentContext.TestDirectory, "perftestkit.dll") }.Concat(args), Path.GetTempPath(), null, TimeSpan.FromMinutes(2));
}
