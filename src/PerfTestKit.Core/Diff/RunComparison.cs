namespace PerfTestKit.Diff;

/// <summary>How sure and how large a change must be to count (`perftestkit diff --threshold`, `--z`).</summary>
public sealed record ComparisonOptions
{
    /// <summary>A change smaller than this, in percent of the base (after the run's overall speed is divided out), is not reported.</summary>
    public double ThresholdPercent { get; init; } = 25;

    /// <summary>How many standard deviations of sampling noise a change must exceed (counts are Poisson).</summary>
    public double MinZ { get; init; } = 4;

    /// <summary>A test needs this many samples in one of the runs to be judged at all.</summary>
    public int MinSamples { get; init; } = 20;
}

/// <summary>A frame's samples in one test, before and after (inclusive: every sample whose stack holds it).</summary>
public sealed record FrameChange(string Name, int BaseSamples, int HeadSamples, double Growth);

/// <summary>One test in both runs; its samples are its own method's (<see cref="TestStacks.OwnSamples"/>).</summary>
public sealed record TestChange(string Key, string Name, int BaseSamples, int HeadSamples, double BaseMs, double HeadMs,
    double? ChangePercent, double Z, bool Significant, IReadOnlyList<FrameChange> TopFrames)
{
    public bool Regression => Significant && Z > 0;
}

/// <summary>What changed between two runs, test by test.</summary>
public sealed record RunDiff(RunStacks Base, RunStacks Head, double SpeedFactor, double Spread, IReadOnlyList<TestChange> Tests,
    IReadOnlyList<string> Added, IReadOnlyList<string> Removed, ComparisonOptions Options)
{
    /// <summary>Head samples one base sample is worth when nothing changed: the sampling rates' ratio times the run's speed.</summary>
    public double Expected => (double)Head.Frequency / Base.Frequency * SpeedFactor;

    /// <summary>Significant changes, largest first.</summary>
    public IEnumerable<TestChange> Significant => Tests.Where(t => t.Significant).OrderByDescending(t => Math.Abs(t.ChangePercent ?? double.MaxValue));
}

/// <summary>
/// Compares two runs test by test. A test's samples are counts: at a fixed rate, sampling alone gives a Poisson
/// spread, so two counts are compared as the head's share of both (binomial, given their sum), after the head is
/// scaled by the two runs' sampling rates and by the run's overall speed. That speed is estimated from the tests
/// themselves (the median ratio of the well-sampled tests): most tests do not change in one pull request, while the
/// whole machine does (measured: the same tests took 464 and 359 samples minutes apart). A change counts when it is
/// both beyond the noise (<see cref="ComparisonOptions.MinZ"/>) and large (<see cref="ComparisonOptions.ThresholdPercent"/>).
/// </summary>
public static class RunComparison
{
    private const int TopFrameCount = 5;
    private const int SpeedSampleFloor = 30;
    private const int MinTestsForSpeed = 5;

    public static RunDiff Compare(RunStacks baseRun, RunStacks headRun, ComparisonOptions? options = null)
    {
        options ??= new ComparisonOptions();
        var baseTests = ByKey(baseRun);
        var headTests = ByKey(headRun);
        var common = baseTests.Keys.Where(headTests.ContainsKey).ToList();
        // Head samples expected per base sample at equal speed: the rates' ratio.
        double rate = (double)headRun.Frequency / baseRun.Frequency;
        var ratios = common.Select(k => (Base: baseTests[k].OwnSamples, Head: headTests[k].OwnSamples))
            .Where(p => p.Base >= SpeedSampleFloor && p.Head >= SpeedSampleFloor)
            .Select(p => p.Head / (p.Base * rate)).OrderBy(r => r).ToList();
        double speed = ratios.Count >= MinTestsForSpeed ? Median(ratios) : 1.0;
        double expected = rate * speed;
        double spread = Spread(common.Select(k => (baseTests[k].OwnSamples, headTests[k].OwnSamples)), expected);

        var changes = common.Select(k => Change(baseRun, headRun, baseTests[k], headTests[k], expected, spread, options)).ToList();
        return new RunDiff(baseRun, headRun, speed, spread, changes,
            headTests.Keys.Where(k => !baseTests.ContainsKey(k)).ToList(),
            baseTests.Keys.Where(k => !headTests.ContainsKey(k)).ToList(), options);
    }

    private static Dictionary<string, TestStacks> ByKey(RunStacks run)
    {
        var tests = new Dictionary<string, TestStacks>(StringComparer.Ordinal);
        // A key twice (a test run twice in one run): the first is kept.
        foreach (var test in run.Tests) tests.TryAdd(test.Key, test);
        return tests;
    }

    /// <summary>
    /// How much more the well-sampled tests' log ratios spread than counting alone explains (a standard deviation of
    /// the log ratio; 0 when they spread no more). On a quiet machine it is about 0; on a busy virtual machine a
    /// fixed amount of work took a third more or less CPU time from run to run (time stolen by the host counts as
    /// the guest's), and a change must stand out from that too. Robust: the median absolute deviation, so that the
    /// few tests that really changed do not widen it.
    /// </summary>
    private static double Spread(IEnumerable<(int Base, int Head)> tests, double expected)
    {
        var judged = tests.Where(t => t.Base >= SpeedSampleFloor && t.Head >= SpeedSampleFloor).ToList();
        if (judged.Count < MinTestsForSpeed) return 0;
        var logs = judged.Select(t => Math.Log(t.Head / (t.Base * expected))).OrderBy(x => x).ToList();
        double center = Median(logs);
        double mad = Median(logs.Select(x => Math.Abs(x - center)).OrderBy(x => x).ToList());
        double counting = Median(judged.Select(t => 1.0 / t.Base + 1.0 / t.Head).OrderBy(x => x).ToList());
        return Math.Sqrt(Math.Max(0, Math.Pow(1.4826 * mad, 2) - counting));
    }

    private static TestChange Change(RunStacks baseRun, RunStacks headRun, TestStacks before, TestStacks after, double expected, double spread, ComparisonOptions options)
    {
        int b = before.OwnSamples, h = after.OwnSamples;
        double baseMs = b * 1000.0 / baseRun.Frequency, headMs = h * 1000.0 / headRun.Frequency;
        double? change = b > 0 ? (h / (b * expected) - 1) * 100 : null;
        double z = Z(b, h, expected);
        // Beyond the machine's spread as well: the log ratio against counting's and the run's spread together.
        if (spread > 0 && b > 0 && h > 0) z = Math.Log(h / (b * expected)) / Math.Sqrt(1.0 / b + 1.0 / h + spread * spread);
        bool judged = Math.Max(b, h) >= options.MinSamples;
        bool significant = judged && Math.Abs(z) >= options.MinZ && (change is null || Math.Abs(change.Value) >= options.ThresholdPercent);
        var frames = significant ? TopFrames(baseRun, headRun, before, after, expected) : Array.Empty<FrameChange>();
        return new TestChange(after.Key, after.Name, b, h, baseMs, headMs, change, z, significant, frames);
    }

    /// <summary>
    /// Given n = b + h samples in all, under no change h is Binomial(n, p) with p = e / (1 + e), e the head samples
    /// expected per base sample. The head's excess in standard deviations (normal approximation, fine from ~20 samples).
    /// </summary>
    public static double Z(int b, int h, double expected)
    {
        int n = b + h;
        if (n == 0) return 0;
        double p = expected / (1 + expected);
        double sd = Math.Sqrt(n * p * (1 - p));
        return sd == 0 ? 0 : (h - n * p) / sd;
    }

    /// <summary>
    /// The frames that grew most, the most specific first: of the frames that hold at least 80% of the largest growth
    /// (a hot method and every caller up to the thread's root grew by as much), the one with the fewest samples of its
    /// own is where the growth is; then the leaves that grew most.
    /// </summary>
    private static IReadOnlyList<FrameChange> TopFrames(RunStacks baseRun, RunStacks headRun, TestStacks before, TestStacks after, double expected)
    {
        var baseInclusive = Inclusive(baseRun, before, leafOnly: false);
        var headInclusive = Inclusive(headRun, after, leafOnly: false);
        var baseLeaf = Inclusive(baseRun, before, leafOnly: true);
        var headLeaf = Inclusive(headRun, after, leafOnly: true);
        FrameChange Growth(string name, Dictionary<string, int> baseCounts, Dictionary<string, int> headCounts)
        {
            baseCounts.TryGetValue(name, out int bs);
            headCounts.TryGetValue(name, out int hs);
            return new FrameChange(name, bs, hs, hs - bs * expected);
        }
        var inclusive = headInclusive.Keys.Union(baseInclusive.Keys).Select(n => Growth(n, baseInclusive, headInclusive)).ToList();
        var result = new List<FrameChange>();
        double most = inclusive.Count == 0 ? 0 : inclusive.Max(f => Math.Abs(f.Growth));
        if (most > 0)
        {
            double sign = inclusive.First(f => Math.Abs(f.Growth) == most).Growth > 0 ? 1 : -1;
            var depth = Depths(headRun, after);
            // A frame without a name ("[unknown] (in libcoreclr.so)") stands for many places at once: named ones first.
            var where = inclusive.Where(f => f.Growth * sign >= 0.8 * most)
                .OrderBy(f => f.Name.StartsWith(Symbols.FrameInfo.UnknownName, StringComparison.Ordinal))
                .ThenBy(f => Math.Max(f.HeadSamples, f.BaseSamples)).ThenByDescending(f => depth.GetValueOrDefault(f.Name)).First();
            result.Add(where);
        }
        foreach (var leaf in headLeaf.Keys.Union(baseLeaf.Keys).Select(n => Growth(n, baseLeaf, headLeaf)).OrderByDescending(f => Math.Abs(f.Growth)))
        {
            if (result.Count >= TopFrameCount) break;
            if (leaf.Growth == 0 || result.Any(r => r.Name == leaf.Name)) continue;
            // Counts in the list are inclusive, like the first's.
            result.Add(Growth(leaf.Name, baseInclusive, headInclusive));
        }
        return result;
    }

    /// <summary>How far from the root each frame stands at most: of two frames with the same samples, the deeper is the more specific.</summary>
    private static Dictionary<string, int> Depths(RunStacks run, TestStacks test)
    {
        var depths = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var stack in test.Stacks)
        {
            for (int i = 0; i < stack.Frames.Length; i++)
            {
                string name = run.Frames[stack.Frames[i]];
                if (depths.GetValueOrDefault(name, -1) < i) depths[name] = i;
            }
        }
        return depths;
    }

    /// <summary>Samples per frame text: every sample whose stack holds the frame (once per sample), or only its leaf.</summary>
    private static Dictionary<string, int> Inclusive(RunStacks run, TestStacks test, bool leafOnly)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var seen = new HashSet<int>();
        foreach (var (count, kind, frames) in test.Stacks)
        {
            if (kind != StackKind.Test || frames.Length == 0) continue;
            if (leafOnly)
            {
                string leaf = run.Frames[frames[^1]];
                counts[leaf] = counts.GetValueOrDefault(leaf) + count;
                continue;
            }
            seen.Clear();
            foreach (int frame in frames)
            {
                if (!seen.Add(frame)) continue;
                string name = run.Frames[frame];
                counts[name] = counts.GetValueOrDefault(name) + count;
            }
        }
        return counts;
    }

    private static double Median(List<double> sorted) => sorted.Count % 2 == 1
        ? sorted[sorted.Count / 2]
        : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
