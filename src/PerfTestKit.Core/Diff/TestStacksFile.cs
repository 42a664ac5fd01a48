using System.IO.Compression;
using System.Text.Json;
using PerfTestKit.Model;
using PerfTestKit.Symbols;
using PerfTestKit.Writers;

namespace PerfTestKit.Diff;

/// <summary>
/// One test of a run as a later comparison needs it: its samples by stack (frames root first, as indices into the
/// file's frame texts), each marked whether it ran .NET code (<see cref="TestStack.Managed"/>).
/// </summary>
public sealed record TestStacks(string Key, string Name, string Outcome, double DurationMs, int Samples, IReadOnlyList<TestStack> Stacks)
{
    /// <summary>
    /// The samples that ran .NET code: the test's own work. A sequential test's window also holds what the runtime
    /// did meanwhile on its own threads (tiered JIT, GC): real, but it lands in whichever test runs at the time
    /// (measured: one test had 14 samples of background JIT in one run and 175 in the next).
    /// </summary>
    public int ManagedSamples => Stacks.Where(s => s.Managed).Sum(s => s.Count);
}

public sealed record TestStack(int Count, bool Managed, int[] Frames);

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

    /// <summary>One test to write: its key (see <see cref="TestKey"/>), what the index says of it, and its samples.</summary>
    public sealed record Entry(string Key, string Name, string Outcome, double DurationMs, ProfileView? View);

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
        var texts = new List<string>();
        var textIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var frameIds = new Dictionary<(Profile, int), int>();
        int TextOf(Profile profile, int frame)
        {
            if (frameIds.TryGetValue((profile, frame), out int id)) return id;
            string text = WithoutAddresses(FoldedStacksWriter.FrameText(profile.Frames[frame]));
            if (!textIds.TryGetValue(text, out id))
            {
                textIds[text] = id = texts.Count;
                texts.Add(text);
            }
            return frameIds[(profile, frame)] = id;
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
                    json.WriteNumberValue(frames.Any(f => view.Profile.Frames[f].Kind == FrameKind.Managed) ? 1 : 0);
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
        foreach (string text in texts) json.WriteStringValue(text);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static readonly System.Text.RegularExpressions.Regex Address = new(@"\s*/\* MT: 0x[0-9a-fA-F]+ \*/", System.Text.RegularExpressions.RegexOptions.Compiled);

    /// <summary>"InvokeStub_T.M(object,System.Span`1 /* MT: 0x7efe1250fe30 */&lt;object&gt;)" reads the same in every run without its address.</summary>
    public static string WithoutAddresses(string name) => name.Contains("/* MT: ", StringComparison.Ordinal) ? Address.Replace(name, "") : name;

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
                    return new TestStack(values[0], values[1] != 0, values[2..]);
                }).ToList())).ToList();
            var frames = root.GetProperty("frames").EnumerateArray().Select(f => f.GetString() ?? "").ToList();
            return new RunStacks(runDirectory, root.GetProperty("frequency").GetInt32(), root.GetProperty("event").GetString() ?? "", frames, tests);
        }
    }
}
