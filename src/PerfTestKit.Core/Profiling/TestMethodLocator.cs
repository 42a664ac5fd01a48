using System.Runtime.CompilerServices;
using PerfTestKit.Model;
using PerfTestKit.Symbols;

namespace PerfTestKit.Profiling;

/// <summary>
/// Tells whose test method a sample's stack holds, among a few tests (the test searched for first, then the tests
/// that ran beside it), and finds when a test really ran from the samples themselves: the first and last sample
/// with the test's method on the stack. Front ends learn of a test's start and end a little late (VSTest and the
/// frameworks deliver them through queues), so their clocks can only bound a test; the stacks place it.
/// </summary>
public sealed class TestMethodLocator
{
    private const int Unknown = 0, NoOwner = 1;

    private readonly Profile _profile;
    private readonly SourceMethodTable _sourceMethods;
    // The source methods of interest ("Type.Method") and the owner each belongs to (the index in the owners list).
    private readonly Dictionary<string, int> _owners = new(StringComparer.Ordinal);
    // What is known of each stack visited: Unknown, NoOwner, or 2 + the outermost owner on it. The first test's
    // search runs over the host's whole start-up (thousands of deep stacks): a recursive walk was most of its cost.
    private readonly Dictionary<int, int> _stackOwners = new();
    private readonly List<int> _path = new();

    /// <param name="fullyQualifiedName">"Namespace.Class.Method" or "Namespace.Class.Method(args)", as test frameworks report it.</param>
    public TestMethodLocator(Profile profile, string fullyQualifiedName)
        : this(profile, new SourceMethodTable(profile), new[] { TestMethods(new TestCaseWindow("", "", fullyQualifiedName, "", 0, 0)) })
    {
    }

    /// <param name="owners">For each test, the source methods ("Type.Method") that are its own; the first is the test searched for.</param>
    internal TestMethodLocator(Profile profile, SourceMethodTable sourceMethods, IReadOnlyList<IReadOnlyCollection<string>> owners)
    {
        _profile = profile;
        _sourceMethods = sourceMethods;
        for (int i = 0; i < owners.Count; i++)
        {
            foreach (string method in owners[i]) _owners.TryAdd(method, i);
        }
    }

    /// <summary>The source methods that are a test's own: its method on the type it names, and on the type that declares it (inherited tests).</summary>
    internal static IReadOnlyCollection<string> TestMethods(TestCaseWindow test)
    {
        string named = SourceMethod.OfTestName(test.FullName);
        if (test.DeclaringType is not { Length: > 0 } declaring) return new[] { named };
        string declared = $"{declaring}.{TestMethodLocator.SplitName(test.FullName).Method}";
        return declared == named ? new[] { named } : new[] { named, declared };
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
            if (Owner(_profile.SampleStack(sample)) != 0) continue;
            ulong time = _profile.SampleTime(sample);
            first ??= time;
            last = time;
            tids.Add(_profile.SampleThread(sample).Tid);
        }
        return first is { } start && last is { } end ? (start, end, tids) : null;
    }

    /// <summary>The owner whose method is outermost on the stack (nearest the thread's root), or -1 when none is on it.</summary>
    public int Owner(int stack)
    {
        if (stack < 0) return -1;
        var stacks = _profile.Stacks;
        // Walk toward the root, remembering the outermost owner seen, until a stack whose answer is known (its
        // answer is then the outermost); then record, for each stack on the way, the outermost owner from it up.
        _path.Clear();
        int known = NoOwner;
        for (int s = stack; s >= 0; s = stacks.Parent(s))
        {
            if (_stackOwners.TryGetValue(s, out int answer) && answer != Unknown)
            {
                known = answer;
                break;
            }
            _path.Add(s);
        }
        int outer = known;
        for (int i = _path.Count - 1; i >= 0; i--)
        {
            int s = _path[i];
            if (outer == NoOwner && _sourceMethods.Of(stacks.Frame(s)) is { } method && _owners.TryGetValue(method, out int owner)) outer = owner + 2;
            _stackOwners[s] = outer;
        }
        return outer - 2;
    }
}
