using PerfTestKit.Model;
using PerfTestKit.Symbols;
using PerfTestKit.Tests.Support;

namespace PerfTestKit.Tests.Symbols;

/// <summary>The HotLoop workload recorded with the runtime's defaults: W^X on, so perf alone names no JIT frame.</summary>
public class DotNetSymbolizationTests
{
    private static readonly Lazy<Profile> Recording = new(() => ProfileLoader.Load(Recordings.DotNet));

    [Test]
    public void The_hot_managed_method_is_named_in_at_least_90_percent_of_the_samples_in_JIT_code()
    {
        var profile = Recording.Value;
        int named = 0, unnamed = 0, hot = 0;
        for (int i = 0; i < profile.SampleCount; i++)
        {
            int stack = profile.SampleStack(i);
            if (stack < 0) continue;
            var leaf = profile.Frames[profile.Stacks.Frame(stack)];
            if (leaf.Kind == FrameKind.Managed) named++;
            else if (leaf.Kind == FrameKind.Unknown && IsJitRegion(leaf.Module)) unnamed++;
            if (leaf.Name == "HotLoop.Burner::SpinPrimes(int32)") hot++;
        }
        TestContext.Out.WriteLine($"JIT-code leaves: {named} named, {unnamed} unnamed; SpinPrimes leaves: {hot} of {profile.SampleCount}");
        Assert.That(named + unnamed, Is.GreaterThan(500));
        Assert.That(named, Is.GreaterThanOrEqualTo(0.9 * (named + unnamed)));
        Assert.That(hot, Is.GreaterThan(profile.SampleCount / 2), "the workload spends most of its time in SpinPrimes");
        var top = profile.All().TopFrames(1).Single();
        Assert.That(profile.Frames[top.Frame], Is.EqualTo(new FrameInfo("HotLoop.Burner::SpinPrimes(int32)", "HotLoop", FrameKind.Managed)));
    }

    [Test]
    public void Perf_itself_cannot_name_the_hot_method_with_W_X_on_which_is_why_we_resolve_by_address()
    {
        var perf = PerfScriptOracle.FoldedStacks(Recordings.DotNet);
        Assert.That(perf.Keys.Any(k => k.Contains("SpinPrimes")), Is.False,
            "if perf names it now, the runtime no longer double-maps JIT code and this test documents nothing");
    }

    [Test]
    public void ReadyToRun_CoreLib_frames_are_named_not_unknown()
    {
        var profile = Recording.Value;
        var coreLib = Enumerable.Range(0, profile.Frames.Count).Select(i => profile.Frames[i])
            .Where(f => f.Module is "System.Private.CoreLib" or "System.Private.CoreLib.dll").ToList();
        int named = coreLib.Count(f => f.Kind == FrameKind.Managed);
        int unknown = coreLib.Count(f => f.Kind == FrameKind.Unknown);
        var onStacks = FramesOnStacks(profile);
        int namedSamples = onStacks.Where(p => profile.Frames[p.Key] is { Module: "System.Private.CoreLib", Kind: FrameKind.Managed }).Sum(p => p.Value);
        int unknownSamples = onStacks.Where(p => profile.Frames[p.Key] is { Module: "System.Private.CoreLib.dll", Kind: FrameKind.Unknown }).Sum(p => p.Value);
        TestContext.Out.WriteLine($"CoreLib frames: {named} named, {unknown} unknown; on stacks: {namedSamples} named, {unknownSamples} unknown");
        Assert.That(named, Is.GreaterThan(10));
        Assert.That(namedSamples, Is.GreaterThan(4 * unknownSamples), "most CoreLib time is attributed to named methods");
        Assert.That(coreLib.Any(f => f.Name.StartsWith("System.Collections.Generic.ArraySortHelper", StringComparison.Ordinal)), Is.True,
            "Array.Sort in FormatAndSort runs through ReadyToRun code");
    }

    /// <summary>
    /// The index's hottest frames count each sample at its nearest .NET frame, so that time in the runtime, the JIT
    /// or the kernel shows as the method that called into it: counted here sample by sample, the same figures.
    /// </summary>
    [Test]
    public void Counting_samples_at_their_nearest_managed_frame_gives_each_method_the_runtime_time_it_caused()
    {
        var profile = Recording.Value;
        var expected = new Dictionary<int, int>();
        int withManaged = 0;
        for (int i = 0; i < profile.SampleCount; i++)
        {
            int stack = profile.SampleStack(i);
            if (stack < 0) continue;
            int at = profile.Stacks.Frame(stack);
            for (int s = stack; s >= 0; s = profile.Stacks.Parent(s))
            {
                if (profile.Frames[profile.Stacks.Frame(s)].Kind != FrameKind.Managed) continue;
                at = profile.Stacks.Frame(s);
                withManaged++;
                break;
            }
            expected[at] = expected.GetValueOrDefault(at) + 1;
        }
        var top = profile.All().TopFrames(10, f => f.Kind == FrameKind.Managed);
        Assert.That(top.Select(c => (c.Frame, c.Self)), Is.EqualTo(expected.OrderByDescending(p => p.Value).ThenBy(p => profile.Frames[p.Key].Name, StringComparer.Ordinal)
            .Take(10).Select(p => (p.Key, p.Value))));
        Assert.That(withManaged, Is.GreaterThan(profile.SampleCount * 9 / 10), "nearly every sample of a .NET program has a .NET frame");
        Assert.That(profile.Frames[top[0].Frame].Name, Is.EqualTo("HotLoop.Burner::SpinPrimes(int32)"));
        // What stays unmanaged is time with no .NET frame on its stack at all (the JIT compiling, for one).
        Assert.That(top.Count(c => profile.Frames[c.Frame].Kind == FrameKind.Managed), Is.GreaterThanOrEqualTo(7), string.Join(", ", top.Select(c => profile.Frames[c.Frame].Location)));
        // Not the plain self count: some runtime or kernel time went to the method that caused it.
        Assert.That(top.Sum(c => c.Self), Is.GreaterThan(profile.All().TopFrames(10).Where(c => profile.Frames[c.Frame].Kind == FrameKind.Managed).Sum(c => c.Self)));
    }

    /// <summary>Samples in which each frame appears (once per sample).</summary>
    private static Dictionary<int, int> FramesOnStacks(Profile profile)
    {
        var counts = new Dictionary<int, int>();
        foreach (var (stack, samples) in profile.All().CountByStack())
        {
            var seen = new HashSet<int>();
            for (int s = stack; s >= 0; s = profile.Stacks.Parent(s))
            {
                if (seen.Add(profile.Stacks.Frame(s))) counts[profile.Stacks.Frame(s)] = counts.GetValueOrDefault(profile.Stacks.Frame(s)) + samples;
            }
        }
        return counts;
    }

    private static bool IsJitRegion(string module) =>
        module.StartsWith("memfd:doublemapper", StringComparison.Ordinal) || module.StartsWith("//anon", StringComparison.Ordinal)
        || module.StartsWith("[anon", StringComparison.Ordinal) || module == FrameInfo.UnknownName;
}
