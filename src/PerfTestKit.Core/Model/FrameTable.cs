using PerfTestKit.Symbols;

namespace PerfTestKit.Model;

/// <summary>Interned frames: each distinct (name, module, kind) once, referred to by index.</summary>
public sealed class FrameTable
{
    private readonly List<FrameInfo> _frames = new();
    private readonly Dictionary<FrameInfo, int> _index = new();

    public int Count => _frames.Count;
    public FrameInfo this[int index] => _frames[index];

    public int Intern(FrameInfo frame)
    {
        if (!_index.TryGetValue(frame, out int index))
        {
            index = _frames.Count;
            _frames.Add(frame);
            _index[frame] = index;
        }
        return index;
    }
}

/// <summary>
/// Interned stacks as a prefix tree: stack i is its frame on top of stack Parent(i) (-1 for a root frame),
/// the same shape as the Gecko profile's stackTable.
/// </summary>
public sealed class StackTable
{
    private readonly List<int> _parents = new();
    private readonly List<int> _frames = new();
    private readonly Dictionary<long, int> _index = new();

    public int Count => _frames.Count;
    public int Parent(int stack) => _parents[stack];
    public int Frame(int stack) => _frames[stack];

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int Intern(int parent, int frame)
    {
        long key = ((long)(parent + 1) << 32) | (uint)frame;
        if (!_index.TryGetValue(key, out int index))
        {
            index = _frames.Count;
            _parents.Add(parent);
            _frames.Add(frame);
            _index[key] = index;
        }
        return index;
    }

    /// <summary>Fills <paramref name="frames"/> with a stack's frames from root to leaf (a list the caller reuses).</summary>
    public void FramesRootFirst(int stack, List<int> frames)
    {
        frames.Clear();
        for (int s = stack; s >= 0; s = _parents[s]) frames.Add(_frames[s]);
        frames.Reverse();
    }
}

/// <summary>A thread as samples saw it: one entry per (pid, tid, name), since a thread may rename itself.</summary>
public sealed record ThreadInfo(int Index, int Pid, int Tid, string Name);
