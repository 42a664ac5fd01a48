using System.Runtime.CompilerServices;
using PerfTestKit.Model;

namespace PerfTestKit.Writers;

/// <summary>A view's samples as a call tree in pre-order, children sorted by name (the flame graph's layout).</summary>
public sealed class CallTree
{
    public readonly record struct Node(int Frame, int Depth, int Total, int Self);

    private CallTree(List<Node> nodes, int samples)
    {
        Nodes = nodes;
        Samples = samples;
    }

    public IReadOnlyList<Node> Nodes { get; }
    public int Samples { get; }

    // Compiled optimized at first use, i.e. in the profiler's warm-up: at tier 0 its loops were recompiled (OSR)
    // inside the first tests' end, where the test host waits; that was over half of the first test's cost.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static CallTree Build(ProfileView view)
    {
        var profile = view.Profile;
        var stacks = profile.Stacks;
        var total = new Dictionary<int, int>();
        var self = new Dictionary<int, int>();
        foreach (var (stack, count) in view.CountByStack())
        {
            if (stack < 0) continue;
            self[stack] = self.GetValueOrDefault(stack) + count;
            for (int s = stack; s >= 0; s = stacks.Parent(s)) total[s] = total.GetValueOrDefault(s) + count;
        }
        var children = new Dictionary<int, List<int>>();
        foreach (int stack in total.Keys)
        {
            int parent = stacks.Parent(stack);
            if (!children.TryGetValue(parent, out var list)) children[parent] = list = new List<int>();
            list.Add(stack);
        }
        var byName = Comparer<int>.Create((a, b) =>
        {
            int c = string.CompareOrdinal(profile.Frames[stacks.Frame(a)].Name, profile.Frames[stacks.Frame(b)].Name);
            return c != 0 ? c : stacks.Frame(a).CompareTo(stacks.Frame(b));
        });
        foreach (var list in children.Values) list.Sort(byName);

        var nodes = new List<Node>(total.Count);
        var pending = new Stack<(int Stack, int Depth)>();
        PushChildren(-1, 0);
        while (pending.Count > 0)
        {
            var (stack, depth) = pending.Pop();
            nodes.Add(new Node(stacks.Frame(stack), depth, total[stack], self.GetValueOrDefault(stack)));
            PushChildren(stack, depth + 1);
        }
        return new CallTree(nodes, view.SampleCount);

        void PushChildren(int parent, int depth)
        {
            if (!children.TryGetValue(parent, out var list)) return;
            for (int i = list.Count - 1; i >= 0; i--) pending.Push((list[i], depth));
        }
    }
}
