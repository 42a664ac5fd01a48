using System.IO.Compression;
using System.Text.Json;
using PerfTestKit.Model;
using PerfTestKit.Profiling;
using PerfTestKit.Symbols;
using PerfTestKit.Writers;

namespace PerfTestKit.Diff;

/// <summary>
/// One test of a run as a later comparison needs it: its samples by stack (frames root first, as indices into the
/// file's frame texts), each marked by whose work it was (<see cref="StackKind"/>).
/// </summary>
public sealed record TestStacks(string Key, string Name, string Outcome, double DurationMs, int Samples, IReadOnlyList<TestStack> Stacks)
{
    /// <summary>Samples whose stack holds the test's own method (or code the compiler generated in it).</summary>
    public int OwnSamples => Stacks.Where(s => s.Kind == StackKind.Test).Sum(s => s.Count);
}

/// <summary>
/// Whose work a stack was. A sequential test's window also holds what ran meanwhile outside the test method: the
/// harness (the framework's event pump, VSTest's serialization, their JIT on first use) and the runtime's own
/// threads (tiered JIT, GC). Real, but it lands in whichever test runs at the time: measured, one test had 14
/// samples of background JIT in one run and 175 in the next, another 69 to 75 of the harness's first-use JIT.
/// </summary>
public enum StackKind { Other = 0, Managed = 1, Test = 2 }

public sealed record TestStack(int Count, StackKind Kind, int[] Frames);

/// <summary>A run's <see cref="TestStacks"/>, with the sampling rate they were taken at.</summary>
public sealed record RunStacks(string Directory, int Frequency, string Event, IReadOnlyList<string> Frames, IReadOnlyList<TestStacks> Tests);

/// <summary>
/// perftestkit-stacks.json.gz, beside a run's index: every test's samples by stack, so that `perftestkit diff` can
/// compare two runs test by test and frame by frame without their perf.data. One JSON document, gzipped: frame texts
/// once in a table, each stack as its count then its frame indices, root first, threads merged (thread names differ
/// from run to run). Versioned: a reader refuses a version it does not know rather than misread it.
/// </summary>
public static class TestStacksFile
{
    public const string FileName = "perftestkit-stacks.json.gz";
    public const string Format = "perftestkit-stacks";
    public const int Version = 1;

    /// <summary>
    /// One test to write: its key (see <see cref="TestKey"/>), what the index says of it, its samples, and its own
    /// source methods ("Type.Method", see <see cref="SourceMethod"/>).
    /// </summary>
    public sealed record Entry(string Key, string Name, string Outcome, double DurationMs, ProfileView? View, IReadOnlyCollection<string> OwnMethods);

    /// <summary>
    /// How a test is matched across runs: its full name with its arguments. VSTest's full name has them for NUnit
    /// cases, not for xUnit theories, whose display name has them.
    /// </summary>
    public static string TestKey(string fullName, string displayName)
    {
        if (fullName.Contains('(', StringComparison.Ordinal)) return fullName;
        int paren = displayName.IndexOf('(', StringComparison.Ordinal);
        return paren > 0 ? fullName + displayName[paren..] : fullName;
    }

    public static void Write(Stream output, int frequency, string eventName, IEnumerable<Entry> tests)
    {
        using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        using var json = new Utf8JsonWriter(gzip);
        var texts = new StringTable();
        var frameIds = new Dictionary<(Profile, int), int>();
        int TextOf(Profile profile, int frame)
        {
            if (frameIds.TryGetValue((profile, frame), out int id)) return id;
            id = texts.Intern(WithoutAddresses(FoldedStacksWriter.FrameText(profile.Frames[frame])));
            return frameIds[(profile, frame)] = id;
        }

        var sourceMethods = new Dictionary<(Profile, int), string?>();
        StackKind KindOf(Profile profile, List<int> stack, IReadOnlyCollection<string> own)
        {
            var kind = StackKind.Other;
            // The JIT compiling on the test's thread is not the test's code: how much of it falls in a test depends
            // on what ran before and on tiering's timing (the first test of a run went from 91 to 146 ms this way).
            if (stack.Count > 0 && profile.Frames[stack[^1]].Module.EndsWith("libclrjit.so", StringComparison.Ordinal)) return StackKind.Managed;
            foreach (int frame in stack)
            {
                var info = profile.Frames[frame];
                if (info.Kind != FrameKind.Managed) continue;
                kind = StackKind.Managed;
                if (!sourceMethods.TryGetValue((profile, frame), out string? method)) sourceMethods[(profile, frame)] = method = SourceMethod.Of(info.Name);
                if (method is not null && own.Contains(method)) return StackKind.Test;
            }
            return kind;
        }

        json.WriteStartObject();
        json.WriteString("format", Format);
        json.WriteNumber("version", Version);
        json.WriteNumber("frequency", frequency);
        json.WriteString("event", eventName);
        json.WriteStartArray("tests");
        var frames = new List<int>();
        foreach (var test in tests)
        {
            json.WriteStartObject();
            json.WriteString("key", test.Key);
            json.WriteString("name", test.Name);
            json.WriteString("outcome", test.Outcome);
            json.WriteNumber("durationMs", Math.Round(test.DurationMs, 3));
            json.WriteNumber("samples", test.View?.SampleCount ?? 0);
            json.WriteStartArray("stacks");
            if (test.View is { } view)
            {
                foreach (var (stack, count) in view.CountByStack())
                {
                    if (count == 0) continue;
                    json.WriteStartArray();
                    json.WriteNumberValue(count);
                    frames.Clear();
                    if (stack >= 0) view.Profile.Stacks.FramesRootFirst(stack, frames);
                    json.WriteNumberValue((int)KindOf(view.Profile, frames, test.OwnMethods));
                    foreach (int frame in frames) json.WriteNumberValue(TextOf(view.Profile, frame));
                    json.WriteEndArray();
                }
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        // After the tests: the table is complete only once they are written.
        json.WriteStartArray("frames");
        foreach (string text in texts.Strings) json.WriteStringValue(text);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static readonly System.Text.RegularExpressions.Regex Address = new(@"\s*/\* MT: 0x[0-9a-fA-F]+ \*/", System.Text.RegularExpressions.RegexOptions.Compiled);

    /// <summary>"InvokeStub_T.M(object,System.Span`1 /* MT: 0x7efe1250fe30 */&lt;object&gt;)" reads the same in every run without its address.</summary>
    public static string WithoutAddresses(string name) => name.Contains("/* MT: ", StringComparison.Ordinal) ? Address.Replace(name, "") : name;

    /// <summary>
    /// A run folder's stacks, or those of the one run a results folder holds. <see cref="DirectoryNotFoundException"/>
    /// when there is no such folder, <see cref="InvalidDataException"/> when it holds no run, several, or a damaged one.
    /// </summary>
    public static RunStacks ReadRun(string path)
    {
        if (!System.IO.Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: no such folder");
        if (!File.Exists(Path.Combine(path, FileName)))
        {
            var runs = System.IO.Directory.GetFiles(path, FileName, SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}In{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                .Select(f => Path.GetDirectoryName(f)!).ToList();
            if (runs.Count != 1)
            {
                throw new InvalidDataException(runs.Count == 0
                    ? $"{path} is not a PerfTestKit run folder (no {FileName}: a run of PerfTestKit before diff was added, or not a run)"
                    : $"{path} holds {runs.Count} runs: name one of them ({string.Join(", ", runs)})");
            }
            path = runs[0];
        }
        return Read(path);
    }

    /// <summary>Reads a run folder's file; <see cref="InvalidDataException"/> when it is not one this version can read.</summary>
    public static RunStacks Read(string runDirectory)
    {
        string path = Path.Combine(runDirectory, FileName);
        JsonDocument doc;
        try
        {
            using var file = File.OpenRead(path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            doc = JsonDocument.Parse(gzip);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"{path} is damaged: {e.Message}", e);
        }
        using (doc)
        {
            try
            {
                return Parse(doc.RootElement, runDirectory, path);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                throw new InvalidDataException($"{path} is damaged: {e.Message}", e);
            }
        }
    }

    private static RunStacks Parse(JsonElement root, string runDirectory, string path)
    {
        {
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.GetString() != Format)
                throw new InvalidDataException($"{path} is not a PerfTestKit stacks file");
            int version = root.GetProperty("version").GetInt32();
            if (version != Version)
                throw new InvalidDataException($"{path} is version {version} of the stacks file; this PerfTestKit reads version {Version}: compare runs made by the same PerfTestKit version");
            var tests = root.GetProperty("tests").EnumerateArray().Select(t => new TestStacks(
                t.GetProperty("key").GetString() ?? "",
                t.GetProperty("name").GetString() ?? "",
                t.GetProperty("outcome").GetString() ?? "",
                t.GetProperty("durationMs").GetDouble(),
                t.GetProperty("samples").GetInt32(),
                t.GetProperty("stacks").EnumerateArray().Select(s =>
                {
                    var values = s.EnumerateArray().Select(v => v.GetInt32()).ToArray();
                    return new TestStack(values[0], (StackKind)values[1], values[2..]);
                }).ToList())).ToList();
            var frames = root.GetProperty("frames").EnumerateArray().Select(f => f.GetString() ?? "").ToList();
            return new RunStacks(runDirectory, root.GetProperty("frequency").GetInt32(), root.GetProperty("event").GetString() ?? "", frames, tests);
        }
    }
}
