using System.Runtime.CompilerServices;
using PerfTestKit.Model;
using PerfTestKit.Symbols;

namespace PerfTestKit.Profiling;

/// <summary>
/// Finds when a test really ran from the samples themselves: the first and last sample with the test's method
/// on the stack. VSTest delivers TestCaseStart/End to a data collector without waiting for it, often a test or
/// two late, so the collector's own clock cannot bracket a test; the stacks can.
/// </summary>
public sealed class TestMethodLocator
{
    private readonly Profile _profile;
    private readonly Dictionary<int, bool> _frameMatches = new();
    private readonly Dictionary<int, bool> _stackMatches = new();
    private readonly string _methodPrefix;
    private readonly string _asyncStateMachine;

    /// <param name="fullyQualifiedName">"Namespace.Class.Method" or "Namespace.Class.Method(args)", as test frameworks report it.</param>
    public TestMethodLocator(Profile profile, string fullyQualifiedName)
    {
        _profile = profile;
        var (type, method) = SplitName(fullyQualifiedName);
        _methodPrefix = $"{type}::{method}(";
        _asyncStateMachine = $"{type}+<{method}>d__";
    }

    /// <summary>The type and method of a test name, with any argument list removed.</summary>
    public static (string Type, string Method) SplitName(string fullyQualifiedName)
    {
        string name = fullyQualifiedName;
        int paren = name.IndexOf('(');
        if (paren >= 0) name = name[..paren];
        int dot = name.LastIndexOf('.');
        return dot < 0 ? ("", name) : (name[..dot], name[(dot + 1)..]);
    }

    /// <summary>
    /// The time from the first to the last sample in [<paramref name="fromNs"/>, <paramref name="toNs"/>] whose stack
    /// holds the test method, and the threads that ran it; null when no sample caught it (a test shorter than the
    /// sampling period).
    /// </summary>
    // Optimized at first use (see CallTree.Build).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (ulong StartNs, ulong EndNs, IReadOnlySet<int> Tids)? Locate(ulong fromNs, ulong toNs, int pid)
    {
        var candidates = _profile.Select(new SampleFilter { FromNs = fromNs, ToNs = toNs, Pid = pid });
        ulong? first = null, last = null;
        var tids = new HashSet<int>();
        foreach (int sample in candidates.Samples)
        {
            if (!StackHoldsTest(_profile.SampleStack(sample))) continue;
            ulong time = _profile.SampleTime(sample);
            first ??= time;
            last = time;
            tids.Add(_profile.SampleThread(sample).Tid);
        }
        return first is { } start && last is { } end ? (start, end, tids) : null;
    }

    private bool StackHoldsTest(int stack)
    {
        if (stack < 0) return false;
        if (_stackMatches.TryGetValue(stack, out bool known)) return known;
        var stacks = _profile.Stacks;
        bool found = FrameIsTest(stacks.Frame(stack)) || StackHoldsTest(stacks.Parent(stack));
        _stackMatches[stack] = found;
        return found;
    }

    private bool FrameIsTest(int frame)
    {
        if (_frameMatches.TryGetValue(frame, out bool known)) return known;
        var info = _profile.Frames[frame];
        bool match = info.Kind == FrameKind.Managed
            && (info.Name.StartsWith(_methodPrefix, StringComparison.Ordinal) || info.Name.StartsWith(_asyncStateMachine, StringComparison.Ordinal));
        _frameMatches[frame] = match;
        return match;
    }
}
