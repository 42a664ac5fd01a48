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
