using System.Runtime.CompilerServices;
using System.Text.Json;
using PerfTestKit.Model;
using PerfTestKit.Symbols;

namespace PerfTestKit.Writers;

/// <summary>An interval to mark on the timeline (e.g. one test case), in recording-clock nanoseconds.</summary>
public sealed record GeckoMarker(string Name, ulong StartNs, ulong EndNs, IReadOnlyDictionary<string, string>? Data = null);

/// <summary>What a Gecko profile carries besides the samples.</summary>
public sealed record GeckoProfileOptions
{
    public IReadOnlyList<GeckoMarker> Markers { get; init; } = Array.Empty<GeckoMarker>();

    /// <summary>The marker type name shown in the profiler (and in its marker schema).</summary>
    public string MarkerType { get; init; } = "TestCase";

    /// <summary>
    /// The thread the markers go on, marked as the main thread (a test's file: the thread that ran the test); null:
    /// the process's main thread (tid = pid), else the first.
    /// </summary>
    public int? MarkerThreadTid { get; init; }
}

/// <summary>
/// Writes the Gecko profile format (meta version 24) that the Firefox Profiler imports, shaped like perf's own
/// gecko.py: one thread entry per thread with its own frame, stack and string tables; categories User, Kernel
/// and .NET. All text goes through Utf8JsonWriter, which escapes it.
/// </summary>
public static class GeckoProfileWriter
{
    public const int Version = 24;
    private const int UserCategory = 0, KernelCategory = 1, DotNetCategory = 2;

    public static void Write(ProfileView view, Stream output, GeckoProfileOptions? options = null)
    {
        options ??= new GeckoProfileOptions();
        var profile = view.Profile;
        ulong zeroNs = view.Samples.Count > 0 ? profile.SampleTime(view.Samples[0]) : 0;
        if (view.Filter.FromNs is { } from) zeroNs = from;
        foreach (var m in options.Markers) zeroNs = Math.Min(zeroNs, m.StartNs);

        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        long? cpuDeltaMicroseconds = CpuDeltaMicroseconds(profile);
        WriteMeta(json, view, zeroNs, options, cpuDeltaMicroseconds is not null);
        json.WriteStartArray("libs");
        json.WriteEndArray();
        json.WriteStartArray("threads");
        var threads = new ThreadSampleGroups(view);
        var groups = threads.Groups;
        // Markers go on the thread asked for, else on the process's main thread (tid = pid), else on the first.
        int markerThread = 0;
        for (int i = 0; i < groups.Count; i++)
        {
            if (options.MarkerThreadTid is { } tid ? groups[i].Tid != tid : groups[i].Pid != groups[i].Tid) continue;
            markerThread = i;
            break;
        }
        var scratch = new ThreadTables.Scratch(profile, view.SampleCount);
        for (int i = 0; i < groups.Count; i++)
        {
            WriteThread(json, profile, threads, groups[i].Group, groups[i].LastSample, zeroNs, i == markerThread ? options : null, scratch, cpuDeltaMicroseconds);
        }
        if (groups.Count == 0 && options.Markers.Count > 0)
        {
            WriteThread(json, profile, threads, -1, -1, zeroNs, options, scratch, cpuDeltaMicroseconds);
        }
        json.WriteEndArray();
        json.WriteStartArray("processes");
        json.WriteEndArray();
        json.WriteStartArray("pausedRanges");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Milliseconds between samples: the event's period, or one over its frequency.</summary>
    private static double IntervalMilliseconds(Profile profile)
    {
        var ev = profile.Events.Count > 0 ? profile.Events[0] : null;
        double intervalMs = ev is null ? 1 : ev.IsFrequency && ev.SamplePeriodOrFrequency > 0
            ? 1000.0 / ev.SamplePeriodOrFrequency
            : ev.SamplePeriodOrFrequency / 1e6;
        return intervalMs > 0 ? intervalMs : 1;
    }

    /// <summary>
    /// The CPU time one sample stands for, in microseconds, when the event counts CPU time (cpu-clock, task-clock:
    /// a sample per period of the thread running): the profiler's CPU graph and figures come from it. Null for other
    /// events (cycles, instructions), whose samples are not time.
    /// </summary>
    private static long? CpuDeltaMicroseconds(Profile profile)
    {
        string name = profile.Events.Count > 0 ? profile.Events[0].Name : "";
        if (!name.StartsWith("cpu-clock", StringComparison.Ordinal) && !name.StartsWith("task-clock", StringComparison.Ordinal)) return null;
        return (long)Math.Round(IntervalMilliseconds(profile) * 1000);
    }

    /// <summary>
    /// Unix epoch milliseconds of a recording-clock time: from the clock data perf wrote (`-k mono` with perf 5.x and
    /// later), else, for a recording of this boot, from this machine's two clocks now (CLOCK_MONOTONIC runs from boot).
    /// </summary>
    private static double EpochMilliseconds(Profile profile, ulong clockNs)
    {
        if (profile.Session.ToWallClockNs(clockNs) is { } wall) return wall / 1e6;
        double nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        double monotonicNowMs = System.Diagnostics.Stopwatch.GetTimestamp() * (1000.0 / System.Diagnostics.Stopwatch.Frequency);
        return nowMs - (monotonicNowMs - clockNs / 1e6);
    }

    private static void WriteMeta(Utf8JsonWriter json, ProfileView view, ulong zeroNs, GeckoProfileOptions options, bool cpuDeltas)
    {
        var profile = view.Profile;
        json.WriteStartObject("meta");
        json.WriteNumber("interval", IntervalMilliseconds(profile));
        json.WriteNumber("startTime", Math.Round(EpochMilliseconds(profile, zeroNs), 3));
        json.WriteNull("shutdownTime");
        json.WriteNumber("processType", 0);
        json.WriteString("product", $"PerfTestKit: {string.Join(' ', profile.Session.CommandLine)}".TrimEnd());
        json.WriteNumber("stackwalk", 1);
        json.WriteNumber("debug", 0);
        json.WriteNumber("gcpoison", 0);
        json.WriteNumber("asyncstack", 1);
        json.WriteNumber("version", Version);
        json.WriteBoolean("presymbolicated", true);
        // What the profiler shows as the platform: the OS of the machine that recorded (perf's header), not its name.
        json.WriteString("oscpu", $"Linux {profile.Session.OsRelease} {profile.Session.Architecture}".Trim().Replace("  ", " ", StringComparison.Ordinal));
        json.WriteString("platform", "Linux");
        if (cpuDeltas)
        {
            json.WriteStartObject("sampleUnits");
            json.WriteString("time", "ms");
            json.WriteString("eventDelay", "ms");
            json.WriteString("threadCPUDelta", "\u00b5s");
            json.WriteEndObject();
        }
        json.WriteStartArray("categories");
        WriteCategory(json, "User", "yellow");
        WriteCategory(json, "Kernel", "orange");
        WriteCategory(json, ".NET", "blue");
        json.WriteEndArray();
        json.WriteStartArray("markerSchema");
        json.WriteStartObject();
        json.WriteString("name", options.MarkerType);
        json.WriteString("tooltipLabel", "{marker.name}");
        json.WriteString("tableLabel", "{marker.name}");
        json.WriteString("chartLabel", "{marker.name}");
        json.WriteStartArray("display");
        json.WriteStringValue("marker-chart");
        json.WriteStringValue("marker-table");
        json.WriteStringValue("timeline-overview");
        json.WriteEndArray();
        json.WriteStartArray("data");
        foreach (string key in options.Markers.SelectMany(m => m.Data?.Keys ?? Enumerable.Empty<string>()).Distinct())
        {
            json.WriteStartObject();
            json.WriteString("key", key);
            json.WriteString("label", key);
            json.WriteString("format", "string");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteCategory(Utf8JsonWriter json, string name, string color)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("color", color);
        json.WriteStartArray("subcategories");
        json.WriteStringValue("Other");
        json.WriteEndArray();
        json.WriteEndObject();
    }

    // Optimized at first use (see CallTree.Build).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteThread(Utf8JsonWriter json, Profile profile, ThreadSampleGroups threads, int group, int lastSample,
        ulong zeroNs, GeckoProfileOptions? markers, ThreadTables.Scratch scratch, long? cpuDeltaMicroseconds)
    {
        using var tables = new ThreadTables(profile, scratch);
        var thread = group >= 0 ? profile.SampleThread(lastSample) : null;
        string processName = thread is null ? "" : profile.Threads.LastOrDefault(t => t.Pid == thread.Pid && t.Tid == thread.Pid)?.Name ?? thread.Name;

        json.WriteStartObject();
        json.WriteString("name", thread?.Name ?? "markers");
        json.WriteString("processName", processName);
        json.WriteString("processType", "default");
        json.WriteNumber("pid", thread?.Pid ?? 0);
        json.WriteNumber("tid", thread?.Tid ?? 0);
        json.WriteNumber("registerTime", 0);
        json.WriteNull("unregisterTime");
        // The thread that holds the markers (a test's: the thread that ran it) is the one the profiler selects first.
        if (markers is not null) json.WriteBoolean("isMainThread", true);

        json.WriteStartObject("markers");
        WriteSchema(json, "name", "startTime", "endTime", "phase", "category", "data");
        json.WriteStartArray("data");
        foreach (var marker in markers?.Markers ?? Array.Empty<GeckoMarker>())
        {
            json.WriteStartArray();
            json.WriteNumberValue(tables.String(marker.Name));
            WriteMilliseconds(json, (long)(marker.StartNs - zeroNs));
            WriteMilliseconds(json, (long)(marker.EndNs - zeroNs));
            json.WriteNumberValue(1); // phase: interval
            json.WriteNumberValue(UserCategory);
            json.WriteStartObject();
            json.WriteString("type", markers!.MarkerType);
            json.WriteString("name", marker.Name);
            foreach (var (key, value) in marker.Data ?? new Dictionary<string, string>()) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartObject("samples");
        if (cpuDeltaMicroseconds is not null) WriteSchema(json, "stack", "time", "responsiveness", "threadCPUDelta");
        else WriteSchema(json, "stack", "time", "responsiveness");
        byte[] delta = cpuDeltaMicroseconds is { } micros ? System.Text.Encoding.ASCII.GetBytes($",0,{micros}]") : ",0]"u8.ToArray();
        json.WriteStartArray("data");
        // Samples are written as their stacks are interned: the tables written after them are complete by then.
        // Rows "[stack,time,0]" are made side by side, comma-separated, and go out a few thousand at a time as one
        // raw value (the writer puts the comma between chunks): a writer call per row, and five before that, were
        // most of the writer's time on a large file. The text is the same the writer made.
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(RowChunkBytes + 64);
        int used = 0;
        foreach (int s in group >= 0 ? threads.Samples(group) : default)
        {
            var row = chunk.AsSpan(used);
            int length = 0;
            if (used > 0) row[length++] = (byte)',';
            row[length++] = (byte)'[';
            int stack = profile.SampleStack(s);
            if (stack >= 0)
            {
                length += FormatDecimal((uint)tables.Stack(stack), row[length..]);
            }
            else
            {
                "null"u8.CopyTo(row[length..]);
                length += 4;
            }
            row[length++] = (byte)',';
            length += FormatMilliseconds((long)(profile.SampleTime(s) - zeroNs), row[length..]);
            delta.CopyTo(row[length..]);
            used += length + delta.Length;
            if (used < RowChunkBytes) continue;
            json.WriteRawValue(chunk.AsSpan(0, used), skipInputValidation: true);
            FlushWhenFull(json);
            used = 0;
        }
        if (used > 0) json.WriteRawValue(chunk.AsSpan(0, used), skipInputValidation: true);
        System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartObject("frameTable");
        WriteSchema(json, "location", "relevantForJS", "innerWindowID", "implementation", "optimizations", "line", "column", "category", "subcategory");
        json.WriteStartArray("data");
        foreach (var (location, category) in tables.FrameRows)
        {
            json.WriteStartArray();
            json.WriteNumberValue(location);
            json.WriteBooleanValue(false);
            json.WriteNumberValue(0);
            json.WriteNullValue();
            json.WriteNullValue();
            json.WriteNullValue();
            json.WriteNullValue();
            json.WriteNumberValue(category);
            json.WriteNumberValue(0);
            json.WriteEndArray();
            FlushWhenFull(json);
        }
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartObject("stackTable");
        WriteSchema(json, "prefix", "frame");
        json.WriteStartArray("data");
        foreach (var (prefix, frame) in tables.StackRows)
        {
            json.WriteStartArray();
            if (prefix is { } p) json.WriteNumberValue(p); else json.WriteNullValue();
            json.WriteNumberValue(frame);
            json.WriteEndArray();
            FlushWhenFull(json);
        }
        json.WriteEndArray();
        json.WriteEndObject();

        json.WriteStartArray("stringTable");
        foreach (string s in tables.Strings)
        {
            json.WriteStringValue(s);
            FlushWhenFull(json);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    // Rows are at most about 45 bytes ("[2147483647,-9223372036854.775808,0]" and a comma).
    private const int RowChunkBytes = 16 << 10;

    /// <summary>
    /// Hands what the writer holds to the stream every 64 KB: it buffers everything until flushed, and growing that
    /// buffer to the whole profile (34 MB for 1.57M samples) cost a page fault per 4 KB and copies at each doubling.
    /// </summary>
    private static void FlushWhenFull(Utf8JsonWriter json)
    {
        if (json.BytesPending >= 1 << 16) json.Flush();
    }

    /// <summary>
    /// Writes nanoseconds as exact decimal milliseconds ("12.3456"): the same number a double division would give
    /// to the reader, without shortest-round-trip double formatting, which was most of writing a sample.
    /// </summary>
    private static void WriteMilliseconds(Utf8JsonWriter json, long ns)
    {
        Span<byte> text = stackalloc byte[32];
        json.WriteRawValue(text[..FormatMilliseconds(ns, text)], skipInputValidation: true);
    }

    /// <summary>Nanoseconds as exact decimal milliseconds into <paramref name="text"/> (at least 27 bytes); returns the length.</summary>
    private static int FormatMilliseconds(long ns, Span<byte> text)
    {
        int length = 0;
        if (ns < 0)
        {
            text[length++] = (byte)'-';
            ns = ns == long.MinValue ? long.MaxValue : -ns;
        }
        long whole = ns / 1_000_000;
        if (whole <= uint.MaxValue) length += FormatDecimal((uint)whole, text[length..]);
        else
        {
            System.Buffers.Text.Utf8Formatter.TryFormat(whole, text[length..], out int written);
            length += written;
        }
        int fraction = (int)(ns % 1_000_000);
        if (fraction == 0) return length;
        // Six digits by pairs, then the trailing zeros dropped: a digit at a time was a sixth of writing the profile.
        text[length] = (byte)'.';
        var pairs = DigitPairs;
        pairs.Slice(fraction / 10_000 * 2, 2).CopyTo(text[(length + 1)..]);
        pairs.Slice(fraction / 100 % 100 * 2, 2).CopyTo(text[(length + 3)..]);
        pairs.Slice(fraction % 100 * 2, 2).CopyTo(text[(length + 5)..]);
        int end = length + 7;
        while (text[end - 1] == (byte)'0') end--;
        return end;
    }

    private static ReadOnlySpan<byte> DigitPairs => "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    /// <summary>
    /// <paramref name="value"/> in decimal, two digits at a time from the right (the runtime's general integer
    /// formatting was a quarter of writing a large profile's samples); returns the length.
    /// </summary>
    private static int FormatDecimal(uint value, Span<byte> text)
    {
        int length = value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10_000 ? 4 : value < 100_000 ? 5
            : value < 1_000_000 ? 6 : value < 10_000_000 ? 7 : value < 100_000_000 ? 8 : value < 1_000_000_000 ? 9 : 10;
        int at = length;
        var pairs = DigitPairs;
        while (value >= 100)
        {
            uint pair = value % 100;
            value /= 100;
            text[--at] = pairs[(int)pair * 2 + 1];
            text[--at] = pairs[(int)pair * 2];
        }
        if (value >= 10)
        {
            text[--at] = pairs[(int)value * 2 + 1];
            text[--at] = pairs[(int)value * 2];
        }
        else
        {
            text[--at] = (byte)('0' + value);
        }
        return length;
    }

    private static void WriteSchema(Utf8JsonWriter json, params string[] fields)
    {
        json.WriteStartObject("schema");
        for (int i = 0; i < fields.Length; i++) json.WriteNumber(fields[i], i);
        json.WriteEndObject();
    }

    private static int CategoryOf(FrameKind kind) => kind switch
    {
        FrameKind.Kernel => KernelCategory,
        FrameKind.Managed => DotNetCategory,
        _ => UserCategory,
    };

    /// <summary>A thread's own frame, stack and string tables, filled on demand from the profile's global ones.</summary>
    private sealed class ThreadTables(Profile profile, ThreadTables.Scratch scratch) : IDisposable
    {
        /// <summary>
        /// Global stack and frame ids to local ones (0 = not yet interned, else local id + 1). Ids are dense: a view of
        /// many samples maps them through arrays, which beat dictionaries; a test's few samples out of a whole run's
        /// profile through dictionaries (arrays the size of the run's stacks at every test's end were fresh memory).
        /// One mapping serves every thread, cleared where it was written.
        /// </summary>
        public sealed class Scratch
        {
            private readonly int[]? _stacks, _frames;
            private readonly Dictionary<int, int>? _stackMap, _frameMap;

            public Scratch(Profile profile, int samples)
            {
                if (samples * 8L >= profile.Stacks.Count)
                {
                    _stacks = new int[profile.Stacks.Count];
                    _frames = new int[profile.Frames.Count];
                }
                else
                {
                    _stackMap = new Dictionary<int, int>();
                    _frameMap = new Dictionary<int, int>();
                }
            }

            public int Stack(int global) => _stacks is { } stacks ? stacks[global] : _stackMap!.GetValueOrDefault(global);
            public int Frame(int global) => _frames is { } frames ? frames[global] : _frameMap!.GetValueOrDefault(global);
            public void SetStack(int global, int local) => Set(_stacks, _stackMap, global, local);
            public void SetFrame(int global, int local) => Set(_frames, _frameMap, global, local);

            private static void Set(int[]? array, Dictionary<int, int>? map, int global, int local)
            {
                if (array is not null) array[global] = local;
                else if (local == 0) map!.Remove(global);
                else map![global] = local;
            }
        }

        private readonly List<int> _globalStacks = new();
        private readonly List<int> _globalFrames = new();
        private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);

        public List<string> Strings { get; } = new();
        public List<(int Location, int Category)> FrameRows { get; } = new();
        public List<(int? Prefix, int Frame)> StackRows { get; } = new();

        public int Stack(int globalStack)
        {
            if (scratch.Stack(globalStack) is var known and > 0) return known - 1;
            int parent = profile.Stacks.Parent(globalStack);
            int? prefix = parent < 0 ? null : Stack(parent);
            int frame = Frame(profile.Stacks.Frame(globalStack));
            int local = StackRows.Count;
            StackRows.Add((prefix, frame));
            scratch.SetStack(globalStack, local + 1);
            _globalStacks.Add(globalStack);
            return local;
        }

        public int String(string text)
        {
            if (!_strings.TryGetValue(text, out int index))
            {
                index = Strings.Count;
                Strings.Add(text);
                _strings[text] = index;
            }
            return index;
        }

        private int Frame(int globalFrame)
        {
            if (scratch.Frame(globalFrame) is var known and > 0) return known - 1;
            var info = profile.Frames[globalFrame];
            int local = FrameRows.Count;
            FrameRows.Add((String(info.Location), CategoryOf(info.Kind)));
            scratch.SetFrame(globalFrame, local + 1);
            _globalFrames.Add(globalFrame);
            return local;
        }

        public void Dispose()
        {
            foreach (int stack in _globalStacks) scratch.SetStack(stack, 0);
            foreach (int frame in _globalFrames) scratch.SetFrame(frame, 0);
        }
    }
}
