using System.Diagnostics;
using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Symbols;

namespace PerfTestKit.Recording;

/// <summary>
/// `perf record -p PID` running in the background while a reader follows the file it writes, so that the samples
/// of a moment that just ended can be sliced out at once: flush perf through its control fifo, read what is new,
/// release the records up to that moment into the model.
/// </summary>
public sealed class LiveRecording : IAsyncDisposable
{
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(5);

    private readonly PerfSession _perf;
    private readonly PerfControl _control;
    private readonly Symbolizer _symbolizer;
    private ProfileBuilder? _builder;
    private PerfDataReader? _reader;
    private bool _stopped;
    private int? _samplesOfPid;

    private LiveRecording(PerfSession perf, PerfControl control, string dataPath, Symbolizer symbolizer)
    {
        _perf = perf;
        _control = control;
        DataPath = dataPath;
        _symbolizer = symbolizer;
        Profile = new Profile { Source = dataPath, Session = new PerfSessionInfo(), Events = new List<PerfEventAttr>() };
    }

    public string DataPath { get; }

    /// <summary>The model so far. Replaced once the reader has opened the file (it carries the file's events).</summary>
    public Profile Profile { get; private set; }

    public PerfSession Perf => _perf;

    /// <summary>Nanoseconds on CLOCK_MONOTONIC, the clock `perf record -k mono` stamps samples with.</summary>
    public static ulong MonotonicNow() => Profiling.TestEventLog.MonotonicNow();

    /// <summary>
    /// Starts perf on <paramref name="pid"/> and waits until it records (it answered a ping). `perf record -p` lists
    /// the process's threads once, then opens its events thread by thread: a thread created in between is never
    /// recorded (nor are its children). Threads created after their creator's events were open are followed
    /// (inherited), and perf writes a FORK record for them. So when a thread of the process has no COMM or FORK
    /// record in what perf wrote, perf missed it and starts again, a few times at most.
    /// </summary>
    public static LiveRecording Start(PerfRecordOptions options, int pid, string workDirectory, SymbolizerOptions? symbols, TimeSpan startTimeout)
    {
        const int Attempts = 3;
        for (int attempt = 1; ; attempt++)
        {
            var threadsBefore = Threads(pid);
            var recording = Attach(options, pid, workDirectory, symbols, startTimeout);
            var threadsAfter = Threads(pid);
            if (threadsAfter.IsSubsetOf(threadsBefore) || attempt == Attempts) return recording;
            // Threads appeared meanwhile (the .NET runtime starts several as it starts): most were followed. Each
            // thread listed before this flush must have its record in the file by now.
            recording.CatchUp(MonotonicNow());
            var missed = threadsAfter.Where(tid => !recording.Announced(tid)).ToList();
            if (missed.Count == 0) return recording;
            Profiling.ProfilerTrace.Write(() => $"threads {string.Join(",", missed)} of {pid} escaped perf while it attached: attaching again");
            recording.DiscardAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Starts perf on <paramref name="parentPid"/> before it starts the process to profile. Events opened on a
    /// thread are inherited by every process it forks afterwards, so perf follows such a child from its first
    /// instruction and none of its threads can escape, and the child does not wait for perf to attach. The parent's
    /// own threads are recorded too (views select the child by pid). <see cref="Follows"/> says whether it worked.
    /// </summary>
    public static LiveRecording StartBeforeChild(PerfRecordOptions options, int parentPid, string workDirectory, SymbolizerOptions? symbols, TimeSpan startTimeout) =>
        Attach(options, parentPid, workDirectory, symbols, startTimeout);

    /// <summary>
    /// Whether perf records <paramref name="pid"/>: its FORK or COMM record is in what perf wrote so far
    /// (reads the recording up to now).
    /// </summary>
    public bool Follows(int pid)
    {
        if (_stopped || _perf.HasExited) return false;
        // Only that process's samples are wanted: the launcher's own are dropped unnamed.
        _samplesOfPid = pid;
        if (_builder is not null) _builder.SamplesOfPid = pid;
        CatchUp(MonotonicNow(), trace: true);
        return Announced(pid);
    }

    /// <summary>Whether perf announced the thread (see <see cref="ProfileBuilder.HasAnnounced"/>).</summary>
    private bool Announced(int tid) => _builder?.HasAnnounced(tid) ?? false;

    /// <summary>
    /// Stops perf without reading what it wrote (an attempt that is thrown away) and deletes its file. Killed
    /// rather than interrupted: perf's orderly exit (build-id scan, header) took over a second, added to the test run.
    /// </summary>
    public async Task DiscardAsync()
    {
        if (_stopped) return;
        _stopped = true;
        await _perf.KillAsync().ConfigureAwait(false);
        _control.Dispose();
        await _perf.DisposeAsync().ConfigureAwait(false);
        // Else the next attempt's perf would keep it as perf.data.old.
        try { File.Delete(DataPath); } catch (IOException) { }
    }

    private static LiveRecording Attach(PerfRecordOptions options, int pid, string workDirectory, SymbolizerOptions? symbols, TimeSpan startTimeout)
    {
        Directory.CreateDirectory(workDirectory);
        var control = PerfControl.Create(workDirectory);
        string data = Path.Combine(workDirectory, "perf.data");
        var perf = PerfRecorder.Attach(options with { OutputPath = data, ControlFifos = control.Paths }, pid);
        var symbolizer = new Symbolizer(symbols);
        // Kernel names load on the pool while perf starts (~150 ms), rather than at the first kernel frame.
        symbolizer.PrefetchKernelSymbols();
        var recording = new LiveRecording(perf, control, data, symbolizer);
        if (!control.Ping(startTimeout))
        {
            string reason = perf.HasExited ? perf.StandardError.Trim() : "no answer on its control fifo";
            control.Dispose();
            _ = perf.StopAsync(TimeSpan.FromSeconds(2));
            throw new PerfNotStartedException($"perf record -p {pid} did not start: {reason}");
        }
        return recording;
    }

    /// <summary>The thread ids of <paramref name="pid"/> now (empty when it is gone).</summary>
    private static HashSet<int> Threads(int pid)
    {
        try
        {
            return Directory.EnumerateDirectories($"/proc/{pid}/task")
                .Select(d => int.TryParse(Path.GetFileName(d), out int tid) ? tid : -1).Where(t => t > 0).ToHashSet();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new HashSet<int>();
        }
    }

    /// <summary>
    /// Makes every sample up to <paramref name="untilNs"/> part of <see cref="Profile"/>: flushes perf (two pings),
    /// reads what it wrote and releases the records up to that time. False when perf did not answer.
    /// </summary>
    public bool CatchUp(ulong untilNs) => CatchUp(untilNs, trace: true);

    /// <summary>
    /// <see cref="CatchUp(ulong)"/> up to now, untraced: done between tests, so that a test's end only has its
    /// last moments to read. (perf writes its buffers out only when they fill up or when asked to.)
    /// </summary>
    public void ReadAhead()
    {
        if (!_stopped && !_perf.HasExited) CatchUp(MonotonicNow(), trace: false);
    }

    /// <summary>The time of the last answered flush request: every sample before it is in the file.</summary>
    private ulong _flushedBefore;

    private bool CatchUp(ulong untilNs, bool trace)
    {
        var clock = Stopwatch.StartNew();
        // A flush brings in every sample taken before it was asked for: tests that ended before the last flush (a
        // batch of them read from a test host's log) need only the records released up to their end.
        if (untilNs < _flushedBefore && !_perf.HasExited && _reader is not null)
        {
            _reader.ReleaseUpTo(untilNs);
            Drain();
            return true;
        }
        ulong asked = MonotonicNow();
        bool flushed = !_perf.HasExited && _control.Flush(ControlTimeout);
        if (flushed) _flushedBefore = asked;
        double flushMs = clock.Elapsed.TotalMilliseconds;
        if (!EnsureReader()) return flushed;
        if (_perf.HasExited)
        {
            // perf ended on its own (the process it followed exited): its file is complete, read it to the end.
            _symbolizer.RefreshManagedSymbols();
            _reader!.Complete();
            Drain();
            return false;
        }
        _symbolizer.RefreshManagedSymbols();
        double refreshMs = clock.Elapsed.TotalMilliseconds;
        int before = Profile.SampleCount;
        Drain();
        _reader!.ReleaseUpTo(untilNs);
        Drain();
        if (trace) Profiling.ProfilerTrace.Write(() => $"catch-up: flush {flushMs:F1} ms, symbols refresh {refreshMs - flushMs:F1} ms, read {clock.Elapsed.TotalMilliseconds - refreshMs:F1} ms, {Profile.SampleCount - before} new samples");
        return flushed;
    }

    /// <summary>Stops perf with SIGINT and reads everything it wrote to the end.</summary>
    public async Task<Profile> StopAsync()
    {
        if (_stopped) return Profile;
        _stopped = true;
        var clock = Stopwatch.StartNew();
        await _perf.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        Profiling.ProfilerTrace.Write(() => $"perf exited {clock.Elapsed.TotalMilliseconds:F0} ms after SIGINT");
        _control.Dispose();
        if (EnsureReader())
        {
            _symbolizer.RefreshManagedSymbols();
            _reader!.Complete();
            Drain();
            _builder!.Finish();
            _reader.Dispose();
            Profile.Warnings.InsertRange(0, _reader.Warnings);
        }
        return Profile;
    }

    private void Drain()
    {
        while (_reader!.TryRead(out var record)) _builder!.Add(record);
    }

    private bool EnsureReader()
    {
        if (_reader is not null) return true;
        try
        {
            _reader = PerfDataReader.Open(DataPath, new PerfReaderOptions { Follow = true });
        }
        catch (Exception e) when (e is PerfFormatException or IOException)
        {
            return false; // perf has not written its header yet
        }
        // perf writes its features (host, command line) only when it exits: until then, say what we know.
        _reader.Info.Hostname ??= Environment.MachineName;
        if (_reader.Info.CommandLine.Count == 0) _reader.Info.CommandLine = _perf.CommandLine;
        Profile = new Profile { Source = DataPath, Session = _reader.Info, Events = _reader.Attributes };
        _builder = new ProfileBuilder(Profile, _symbolizer) { SamplesOfPid = _samplesOfPid };
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped) await StopAsync().ConfigureAwait(false);
        _reader?.Dispose();
        _control.Dispose();
        await _perf.DisposeAsync().ConfigureAwait(false);
    }
}
