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
    // What is known of each stack and frame id (dense ints): 0 not yet, 1 holds the test, 2 does not. The first
    // test's search runs over the host's whole start-up (thousands of deep stacks): dictionaries and a recursive
    // walk were most of that test's end.
    private sbyte[] _stackMatches = Array.Empty<sbyte>();
    private sbyte[] _frameMatches = Array.Empty<sbyte>();
    private readonly List<int> _path = new();
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
        foreach (int sample in candidates.SampleIndices)
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
        var stacks = _profile.Stacks;
        if (_stackMatches.Length < stacks.Count) Array.Resize(ref _stackMatches, stacks.Count);
        // Walk toward the root until a stack whose answer is known (or the root), then record the answer for the
        // whole path: a stack holds the test when any frame from it to the root is the test method.
        _path.Clear();
        sbyte answer = 2;
        for (int s = stack; s >= 0; s = stacks.Parent(s))
        {
            if (_stackMatches[s] != 0)
            {
                answer = _stackMatches[s];
                break;
            }
            if (FrameIsTest(stacks.Frame(s)))
            {
                answer = 1;
                _stackMatches[s] = 1;
                break;
            }
            _path.Add(s);
        }
        foreach (int s in _path) _stackMatches[s] = answer;
        return answer == 1;
    }

    private bool FrameIsTest(int frame)
    {
        if (_frameMatches.Length <= frame) Array.Resize(ref _frameMatches, Math.Max(_profile.Frames.Count, frame + 1));
        if (_frameMatches[frame] != 0) return _frameMatches[frame] == 1;
        var info = _profile.Frames[frame];
        bool match = info.Kind == FrameKind.Managed
            && (info.Name.StartsWith(_methodPrefix, StringComparison.Ordinal) || info.Name.StartsWith(_asyncStateMachine, StringComparison.Ordinal));
        _frameMatches[frame] = match ? (sbyte)1 : (sbyte)2;
        return match;
    }
}
