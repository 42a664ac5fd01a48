using System.Text.Json;
using PerfTestKit.Diff;

namespace PerfTestKit.Tests.Diff;

/// <summary>The comparison's arithmetic on runs made up here: what counts as a change, and which frame grew.</summary>
public class RunComparisonTests
{
    // Frames: 0 root, 1 harness, 2 test method, 3 its hot method, 4 an unnamed runtime frame, 5 another test's method.
    private static readonly string[] Frames = { "start_thread", "Harness::Run()", "T::Test_X()", "T::Hot(int32)", "[unknown] (in libcoreclr.so)", "T::Other()" };

    private static TestStacks Test(string key, int own, int harness = 0) => new(key, key, "Passed", own, own + harness, new[]
    {
        new TestStack(own, StackKind.Test, new[] { 0, 4, 1, 2, 3 }),
        new TestStack(harness, StackKind.Managed, new[] { 0, 4, 1 }),
    }.Where(s => s.Count > 0).ToList());

    private static RunStacks Run(int frequency, params TestStacks[] tests) => new("run", frequency, "cpu-clock", Frames, tests);

    private static TestStacks[] Suite(double scale, double slowFactor = 1) => Enumerable.Range(0, 12)
        .Select(i => Test($"T.Test_{i}", (int)Math.Round((100 + 20 * i) * scale * (i == 3 ? slowFactor : 1)), harness: 40 * (i % 3))).ToArray();

    [Test]
    public void A_whole_run_a_third_slower_changes_no_test_and_the_speed_factor_says_so()
    {
        var diff = RunComparison.Compare(Run(999, Suite(1)), Run(999, Suite(1.33)));
        Assert.That(diff.SpeedFactor, Is.EqualTo(1.33).Within(0.02));
        Assert.That(diff.Significant, Is.Empty);
    }

    [Test]
    public void One_test_twice_as_slow_is_the_only_change_and_its_hot_method_is_the_frame_that_grew()
    {
        var diff = RunComparison.Compare(Run(999, Suite(1)), Run(999, Suite(1, slowFactor: 2)));
        var change = diff.Significant.Single();
        Assert.That(change.Key, Is.EqualTo("T.Test_3"));
        Assert.That(change.ChangePercent, Is.EqualTo(100).Within(3));
        Assert.That(change.Regression, Is.True);
        // Every frame from the root to the hot method grew as much: the deepest named one is where it happened.
        Assert.That(change.TopFrames[0].Name, Is.EqualTo("T::Hot(int32)"));
        Assert.That((change.TopFrames[0].BaseSamples, change.TopFrames[0].HeadSamples), Is.EqualTo((160, 320)));
    }

    [Test]
    public void On_a_machine_whose_tests_move_by_a_fifth_from_run_to_run_only_a_test_three_times_as_slow_stands_out()
    {
        // Each test's CPU time for its fixed work moves by up to a fifth either way in each run (a busy virtual machine).
        var random = new Random(7);
        TestStacks[] Noisy(int slowTest) => Enumerable.Range(0, 12).Select(i =>
            Test($"T.Test_{i}", (int)Math.Round((150 + 20 * i) * (0.8 + 0.4 * random.NextDouble()) * (i == slowTest ? 3 : 1)))).ToArray();
        for (int pair = 0; pair < 10; pair++)
        {
            var unchanged = RunComparison.Compare(Run(999, Noisy(-1)), Run(999, Noisy(-1)));
            Assert.That(unchanged.Significant, Is.Empty, $"pair {pair}: {string.Join(", ", unchanged.Significant.Select(t => $"{t.Key} {t.ChangePercent:F0}%"))}");
        }
        var slowed = RunComparison.Compare(Run(999, Noisy(-1)), Run(999, Noisy(4)));
        Assert.That(slowed.Significant.Select(t => t.Key), Is.EqualTo(new[] { "T.Test_4" }));
    }

    [Test]
    public void Harness_samples_in_a_tests_window_do_not_count_for_it()
    {
        var head = Suite(1);
        head[5] = Test("T.Test_5", own: 200, harness: 400);
        var diff = RunComparison.Compare(Run(999, Suite(1)), Run(999, head));
        Assert.That(diff.Significant, Is.Empty);
    }

    [Test]
    public void Different_sampling_rates_are_compared_per_second_and_small_counts_are_never_judged()
    {
        var baseRun = Run(999, Suite(1).Append(Test("T.Tiny", 3)).ToArray());
        var headRun = Run(1998, Suite(2).Append(Test("T.Tiny", 19)).ToArray());
        var diff = RunComparison.Compare(baseRun, headRun);
        Assert.That(diff.SpeedFactor, Is.EqualTo(1).Within(0.02));
        Assert.That(diff.Significant, Is.Empty, "3 -> 19 samples is below the 20 a test needs to be judged");
    }

    [Test]
    public void Tests_in_one_run_only_are_listed_as_added_or_removed()
    {
        var diff = RunComparison.Compare(Run(999, Test("T.A", 100), Test("T.Gone", 100)), Run(999, Test("T.A", 100), Test("T.New", 50)));
        Assert.That(diff.Tests.Select(t => t.Key), Is.EqualTo(new[] { "T.A" }));
        Assert.That(diff.Added, Is.EqualTo(new[] { "T.New" }));
        Assert.That(diff.Removed, Is.EqualTo(new[] { "T.Gone" }));
    }

    [Test]
    public void The_z_score_is_the_heads_excess_over_its_binomial_share()
    {
        // 100 and 100 at equal speed: no excess. 100 and 200: n = 300, p = 1/2, (200 - 150) / sqrt(75).
        Assert.That(RunComparison.Z(100, 100, 1), Is.EqualTo(0));
        Assert.That(RunComparison.Z(100, 200, 1), Is.EqualTo(50 / Math.Sqrt(75)).Within(1e-9));
        Assert.That(RunComparison.Z(100, 200, 2), Is.EqualTo(0).Within(1e-9), "twice the samples expected");
    }

    [Test]
    public void Names_are_escaped_in_diff_json()
    {
        var hostile = new RunStacks("run", 999, "cpu-clock", new[] { "</script><b>\"x\"", "T::Hot()" }, new[]
        {
            new TestStacks("T.\"quoted\"</td>", "n", "Passed", 1, 100, new[] { new TestStack(100, StackKind.Test, new[] { 0, 1 }) }),
        });
        var slower = hostile with { Tests = new[] { hostile.Tests[0] with { Samples = 300, Stacks = new[] { new TestStack(300, StackKind.Test, new[] { 0 }) } } } };
        using var output = new MemoryStream();
        RunDiffWriter.WriteJson(RunComparison.Compare(hostile, slower), output);
        string text = System.Text.Encoding.UTF8.GetString(output.ToArray());
        Assert.That(text, Does.Not.Contain("</script>").And.Not.Contain("</td>"));
        using var doc = JsonDocument.Parse(text);
        var test = doc.RootElement.GetProperty("tests")[0];
        Assert.That(test.GetProperty("fullName").GetString(), Is.EqualTo("T.\"quoted\"</td>"));
        Assert.That(test.GetProperty("topFrames")[0].GetProperty("name").GetString(), Is.EqualTo("</script><b>\"x\""));
    }
}
