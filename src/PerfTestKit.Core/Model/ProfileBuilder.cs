using PerfTestKit.PerfData;
using PerfTestKit.Symbols;

namespace PerfTestKit.Model;

/// <summary>
/// Turns records, in time order, into a <see cref="Profile"/>: tracks processes' mappings and threads' names,
/// symbolizes each distinct address once and interns every call chain as a stack.
/// </summary>
public sealed class ProfileBuilder
{
    private readonly Profile _profile;
    private readonly Symbolizer _symbolizer;
    private readonly Dictionary<int, ProcessMaps> _processes = new();
    private readonly Dictionary<int, string> _threadNames = new();
    private readonly HashSet<int> _announcedThreads = new();
    private readonly Dictionary<(int Pid, int Tid, string Name), int> _threads = new();
    // The thread entry of each tid's latest sample, direct-mapped by tid (no hashing per sample); a COMM or FORK for
    // the tid clears its slot, as the thread's name may have changed.
    private readonly (int TidPlusOne, int Pid, int Index)[] _threadCache = new (int, int, int)[4096];
    private readonly Dictionary<(int Pid, ulong Address), int> _userFrames = new();
    private readonly Dictionary<(int Pid, ulong Address), int> _unknownUserFrames = new();
    private int _unknownGeneration;
    private readonly Dictionary<ulong, int> _kernelFrames = new();
    private readonly Dictionary<ulong, ulong> _lastReadValue = new();
    private readonly Dictionary<ulong, int> _eventById = new();
    private int _eventsIndexed;
    private int[] _chainFrames = new int[256];
    private bool[] _chainKernel = new bool[256];
    private int[] _chainStackFrom = new int[256];
    private readonly Dictionary<int, ChainMemo> _chainMemos = new();
    private readonly CallchainCache _chains = new();

    public ProfileBuilder(Profile profile, Symbolizer symbolizer)
    {
        _profile = profile;
        _symbolizer = symbolizer;
    }

    public Profile Profile => _profile;

    private int _damagedRecords;
    private string? _firstDamage;

    /// <summary>Adds one record; a record that does not parse is skipped and counted, not fatal.</summary>
    public void Add(in PerfRecord record)
    {
        try
        {
            AddRecord(record);
        }
        catch (PerfFormatException e)
        {
            _damagedRecords++;
            _firstDamage ??= e.Message;
        }
    }

    /// <summary>
    /// Whether a COMM or FORK record named the thread: perf writes one for each thread it found when it started
    /// and for each new thread it follows, so a thread without one is not being recorded.
    /// </summary>
    public bool HasAnnounced(int tid) => _announcedThreads.Contains(tid);

    /// <summary>The warning for kernel frames left unnamed by permissions.</summary>
    public const string KernelNamesHiddenWarning = "kernel frames have no names: /proc/kallsyms shows no addresses to this user " +
        "(kernel.perf_event_paranoid above 1, or kernel.kptr_restrict); fix: sudo sysctl kernel.perf_event_paranoid=1";

    /// <summary>Reports what was skipped; call once after the last record.</summary>
    public void Finish()
    {
        if (_damagedRecords > 0)
        {
            _profile.Warnings.Add($"{_damagedRecords} damaged record(s) skipped, the first: {_firstDamage}");
        }
        if (_symbolizer.KernelNamesHidden)
        {
            _profile.Warnings.Add(KernelNamesHiddenWarning);
        }
        if (_profile.Events.FirstOrDefault(e => e.ExcludesKernel) is { } userOnly)
        {
            _profile.Warnings.Add($"kernel frames are not recorded: perf recorded user space only ({userOnly.Name}; kernel.perf_event_paranoid " +
                "above 1 for this user); fix: sudo sysctl kernel.perf_event_paranoid=1");
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AddRecord(in PerfRecord record)
    {
        switch (record.Type)
        {
            case RecordType.Sample:
                AddSample(SampleRecord.Parse(record), record.Attr);
                break;
            case RecordType.Mmap:
            case RecordType.Mmap2:
                AddMapping(MmapRecord.Parse(record));
                break;
            case RecordType.Comm:
                var comm = CommRecord.Parse(record);
                _threadNames[comm.Tid] = comm.Name;
                ForgetThreadCache(comm.Tid);
                _announcedThreads.Add(comm.Tid);
                if (comm.IsExec && comm.Pid == comm.Tid) Process(comm.Pid).Clear();
                break;
            case RecordType.Fork:
                var fork = TaskRecord.Parse(record);
                _announcedThreads.Add(fork.Tid);
                ForgetThreadCache(fork.Tid);
                if (_threadNames.TryGetValue(fork.ParentTid, out var parentName)) _threadNames[fork.Tid] = parentName;
                if (fork.Pid != fork.ParentPid && _processes.TryGetValue(fork.ParentPid, out var parent)) Process(fork.Pid).CopyFrom(parent);
                break;
            case RecordType.Lost:
                _profile.LostEvents += LostRecord.Parse(record).Lost;
                break;
            case RecordType.LostSamples:
                _profile.LostSamples += LostRecord.Parse(record).Lost;
                break;
        }
    }

    /// <summary>
    /// Looks at a record before its turn (on a reading thread): starts loading the symbols of each file mapped.
    /// A damaged record is left for <see cref="Add"/> to count.
    /// </summary>
    public void Peek(in PerfRecord record)
    {
        if (record.Type is not (RecordType.Mmap or RecordType.Mmap2) || (record.Misc & RecordMisc.CpuModeMask) == RecordMisc.CpuModeKernel) return;
        try
        {
            _symbolizer.PrefetchImage(MmapRecord.Parse(record).FileName);
        }
        catch (PerfFormatException)
        {
        }
    }

    private void AddMapping(MmapRecord mmap)
    {
        if (mmap.CpuMode == RecordMisc.CpuModeKernel) return; // the kernel and its modules: kallsyms names them
        Process(mmap.Pid).Add(new Mapping(mmap.Start, mmap.End, mmap.PageOffset, mmap.FileName));
    }

    private ProcessMaps Process(int pid)
    {
        if (!_processes.TryGetValue(pid, out var maps)) _processes[pid] = maps = new ProcessMaps();
        return maps;
    }

    /// <summary>
    /// When set, samples of other processes are dropped without being named (perf on a launcher also records the
    /// launcher's own threads, which nobody looks at). Their mappings and threads are still followed.
    /// </summary>
    public int? SamplesOfPid { get; set; }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AddSample(SampleRecord sample, PerfEventAttr attr)
    {
        if (SamplesOfPid is { } only && sample.Pid != only) return;
        var chain = sample.Callchain;
        int stack;
        if (chain.Length == 0)
        {
            // No call chain (recorded without -g): the sample's own IP is the stack, as perf's scripts do.
            stack = _profile.Stacks.Intern(Profile.EmptyStack, ResolveFrame(sample.Pid, sample.Ip, sample.CpuMode == RecordMisc.CpuModeKernel));
        }
        else if (!_chains.TryGet(sample.Pid, sample.Tid, sample.CpuMode, chain, _symbolizer.Generation, out stack))
        {
            stack = BuildStack(sample);
            _chains.Add(sample.Pid, sample.Tid, sample.CpuMode, chain, stack);
        }
        int thread = Thread(sample.Pid, sample.Tid);

        if (sample.ReadValues is not { } values)
        {
            AddSampleRow(sample.Time, stack, thread, IndexOf(attr));
            return;
        }
        // Samples that read counters (e.g. leader sampling, -e '{a,b}:S') stand for each counter that moved
        // since its last reading, as perf's deliver_sample_value does.
        IndexEventIds();
        foreach (var value in values)
        {
            if (!_eventById.TryGetValue(value.Id, out int eventIndex)) continue;
            ulong previous = _lastReadValue.GetValueOrDefault(value.Id);
            _lastReadValue[value.Id] = value.Value;
            if (value.Value != previous) AddSampleRow(sample.Time, stack, thread, eventIndex);
        }
    }

    /// <summary>
    /// Symbolizes a call chain seen for the first time and interns it as a stack. The part it shares, toward the
    /// root, with the thread's previous new chain is taken from <see cref="ChainMemo"/> rather than named again.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int BuildStack(SampleRecord sample)
    {
        var chain = sample.Callchain;
        int length = chain.Length;
        EnsureChainCapacity(length);
        // The context each entry is read in: markers switch between kernel and user.
        bool kernel = sample.CpuMode == RecordMisc.CpuModeKernel;
        for (int i = 0; i < length; i++)
        {
            if (chain[i] >= CallchainContext.Max) kernel = chain[i] == CallchainContext.Kernel;
            _chainKernel[i] = kernel;
        }
        var kernelOf = _chainKernel.AsSpan(0, length);
        if (!_chainMemos.TryGetValue(sample.Tid, out var memo)) _chainMemos[sample.Tid] = memo = new ChainMemo();
        int shared = memo.SharedSuffix(sample.Pid, _symbolizer.Generation, chain, kernelOf);
        // Named leaf first, as perf's chain lists them (frame ids follow first sight), then interned from the root.
        int fresh = length - shared;
        for (int i = 0; i < fresh; i++)
        {
            _chainFrames[i] = chain[i] >= CallchainContext.Max ? -1 : ResolveFrame(sample.Pid, chain[i], _chainKernel[i]);
        }
        int stack = memo.StackOfSuffix(shared);
        for (int i = fresh - 1; i >= 0; i--)
        {
            if (_chainFrames[i] >= 0) stack = _profile.Stacks.Intern(stack, _chainFrames[i]);
            _chainStackFrom[i] = stack;
        }
        if (shared > 0) memo.CopySuffixStacks(shared, _chainStackFrom.AsSpan(fresh, shared));
        memo.Remember(sample.Pid, _symbolizer.Generation, chain, kernelOf, _chainStackFrom.AsSpan(0, length));
        return stack;
    }

    private void AddSampleRow(ulong time, int stack, int thread, int eventIndex)
    {
        _profile.Samples.Add(time, stack, thread, (byte)Math.Min(eventIndex, byte.MaxValue));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int ResolveFrame(int pid, ulong address, bool kernel)
    {
        if (kernel)
        {
            if (!_kernelFrames.TryGetValue(address, out int frame))
            {
                _kernelFrames[address] = frame = _profile.Frames.Intern(_symbolizer.ResolveKernel(address));
            }
            return frame;
        }
        var key = (pid, address);
        if (_userFrames.TryGetValue(key, out int userFrame)) return userFrame;
        if (_unknownGeneration != _symbolizer.Generation)
        {
            // New managed symbols arrived (a live recording): what was unknown may have a name now.
            _unknownUserFrames.Clear();
            _unknownGeneration = _symbolizer.Generation;
        }
        if (_unknownUserFrames.TryGetValue(key, out userFrame)) return userFrame;
        var resolved = _symbolizer.ResolveUser(pid, Process(pid), address);
        userFrame = _profile.Frames.Intern(resolved);
        if (resolved.Kind == FrameKind.Unknown) _unknownUserFrames[key] = userFrame;
        else _userFrames[key] = userFrame;
        return userFrame;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int Thread(int pid, int tid)
    {
        ref var cached = ref _threadCache[tid & (_threadCache.Length - 1)];
        if (cached.TidPlusOne == tid + 1 && cached.Pid == pid) return cached.Index;
        string name = _threadNames.TryGetValue(tid, out var named) ? named : $":{tid}";
        var key = (pid, tid, name);
        if (!_threads.TryGetValue(key, out int index))
        {
            index = _profile.Threads.Count;
            _profile.Threads.Add(new ThreadInfo(index, pid, tid, name));
            _threads[key] = index;
        }
        cached = (tid + 1, pid, index);
        return index;
    }

    private void ForgetThreadCache(int tid)
    {
        ref var cached = ref _threadCache[tid & (_threadCache.Length - 1)];
        if (cached.TidPlusOne == tid + 1) cached = default;
    }

    private int IndexOf(PerfEventAttr attr)
    {
        IndexEventIds();
        var events = _profile.Events;
        for (int i = 0; i < events.Count; i++)
        {
            if (ReferenceEquals(events[i], attr)) return i;
        }
        return 0;
    }

    /// <summary>Maps event ids to event indices; pipe mode adds events as it goes, so catch up on new ones.</summary>
    private void IndexEventIds()
    {
        var events = _profile.Events;
        for (; _eventsIndexed < events.Count; _eventsIndexed++)
        {
            foreach (ulong id in events[_eventsIndexed].Ids) _eventById.TryAdd(id, _eventsIndexed);
        }
    }

    private void EnsureChainCapacity(int length)
    {
        if (_chainFrames.Length >= length) return;
        int size = Math.Max(length, _chainFrames.Length * 2);
        _chainFrames = new int[size];
        _chainKernel = new bool[size];
        _chainStackFrom = new int[size];
    }
}
