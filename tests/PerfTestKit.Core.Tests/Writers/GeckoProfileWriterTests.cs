using System.Text.Json;
using PerfTestKit.Model;
using PerfTestKit.Tests.Support;
using PerfTestKit.Writers;

namespace PerfTestKit.Tests.Writers;

/// <summary>Checks the Gecko JSON field by field against what the Firefox Profiler's gecko importer reads.</summary>
public class GeckoProfileWriterTests
{
    [Test]
    public void The_dotnet_recording_converts_to_a_profile_the_gecko_importer_accepts()
    {
        var profile = ProfileLoader.Load(Recordings.DotNet);
        var markers = new[] { new GeckoMarker("HotLoop.Tests.First", profile.SampleTime(0), profile.SampleTime(10), new Dictionary<string, string> { ["outcome"] = "Passed" }) };
        using var doc = Write(profile.All(), new GeckoProfileOptions { Markers = markers });
        var root = doc.RootElement;

        var meta = root.GetProperty("meta");
        Assert.Multiple(() =>
        {
            Assert.That(meta.GetProperty("version").GetInt32(), Is.EqualTo(24));
            Assert.That(meta.GetProperty("interval").GetDouble(), Is.EqualTo(1000.0 / 999).Within(1e-9));
            Assert.That(meta.GetProperty("startTime").GetDouble(), Is.GreaterThan(1.6e12), "wall-clock ms from CLOCK_DATA");
            Assert.That(meta.GetProperty("processType").GetInt32(), Is.EqualTo(0));
            Assert.That(meta.GetProperty("stackwalk").GetInt32(), Is.EqualTo(1));
            Assert.That(meta.GetProperty("presymbolicated").GetBoolean(), Is.True);
            Assert.That(meta.GetProperty("product").GetString(), Does.Contain("perf record"));
            Assert.That(meta.GetProperty("markerSchema")[0].GetProperty("name").GetString(), Is.EqualTo("TestCase"));
            Assert.That(meta.GetProperty("oscpu").GetString(), Does.StartWith("Linux ").And.Contain("x86_64"), "the OS, not the host's name");
            Assert.That(meta.GetProperty("platform").GetString(), Is.EqualTo("Linux"));
            Assert.That(meta.GetProperty("sampleUnits").GetProperty("threadCPUDelta").GetString(), Is.EqualTo("\u00b5s"));
            Assert.That(meta.GetProperty("sampleUnits").GetProperty("time").GetString(), Is.EqualTo("ms"));
            Assert.That(root.GetProperty("libs").GetArrayLength(), Is.EqualTo(0));
            Assert.That(root.GetProperty("processes").ValueKind, Is.EqualTo(JsonValueKind.Array));
            Assert.That(root.GetProperty("pausedRanges").ValueKind, Is.EqualTo(JsonValueKind.Array));
        });
        var categories = meta.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.That(categories, Is.EqualTo(new[] { "User", "Kernel", ".NET" }));
        foreach (var category in meta.GetProperty("categories").EnumerateArray())
        {
            Assert.That(category.GetProperty("color").GetString(), Is.Not.Empty);
            Assert.That(category.GetProperty("subcategories").GetArrayLength(), Is.GreaterThan(0));
        }

        int totalSamples = 0, markerCount = 0;
        var threads = root.GetProperty("threads").EnumerateArray().ToList();
        Assert.That(threads.Select(t => t.GetProperty("tid").GetInt32()).Distinct().Count(), Is.EqualTo(threads.Count), "one entry per thread");
        foreach (var thread in threads)
        {
            totalSamples += ValidateThread(thread, categories.Count);
            markerCount += thread.GetProperty("markers").GetProperty("data").GetArrayLength();
        }
        Assert.That(totalSamples, Is.EqualTo(profile.SampleCount));
        Assert.That(markerCount, Is.EqualTo(1));
        Assert.That(threads.Any(t => StringsOf(t).Any(s => s.StartsWith("HotLoop.Burner::SpinPrimes(int32) (in HotLoop)", StringComparison.Ordinal))), Is.True);
    }

    /// <summary>A test's file: its marker on the thread that ran it, marked as the main thread; the start in epoch milliseconds.</summary>
    [Test]
    public void A_tests_marker_goes_on_the_thread_asked_for_and_that_thread_is_the_main_one()
    {
        var profile = ProfileLoader.Load(Recordings.DotNet);
        var view = profile.All();
        // The busiest thread other than the process's main one: the default would put the marker on that one.
        int busiest = view.Samples.Select(s => profile.SampleThread(s)).Where(t => t.Tid != t.Pid).GroupBy(t => t.Tid).MaxBy(g => g.Count())!.Key;
        var markers = new[] { new GeckoMarker("T.Test", profile.SampleTime(0), profile.SampleTime(10)) };
        using var doc = Write(view, new GeckoProfileOptions { Markers = markers, MarkerThreadTid = busiest });
        var threads = doc.RootElement.GetProperty("threads").EnumerateArray().ToList();
        var marked = threads.Where(t => t.GetProperty("markers").GetProperty("data").GetArrayLength() > 0).ToList();
        Assert.That(marked.Select(t => t.GetProperty("tid").GetInt32()), Is.EqualTo(new[] { busiest }));
        Assert.That(threads.Where(t => t.TryGetProperty("isMainThread", out var main) && main.GetBoolean()).Select(t => t.GetProperty("tid").GetInt32()), Is.EqualTo(new[] { busiest }));
        double start = doc.RootElement.GetProperty("meta").GetProperty("startTime").GetDouble();
        Assert.That(DateTimeOffset.FromUnixTimeMilliseconds((long)start).Year, Is.GreaterThanOrEqualTo(2024), "epoch milliseconds");
    }

    [Test]
    public void Frames_are_categorised_as_user_kernel_and_dotnet()
    {
        var profile = SyntheticProfile.Create((new[] { SyntheticProfile.Native("main"), SyntheticProfile.Managed("M"), SyntheticProfile.Kernel("sys_write") }, 1));
        using var doc = Write(profile.All(), new GeckoProfileOptions());
        var thread = doc.RootElement.GetProperty("threads")[0];
        var strings = StringsOf(thread);
        var categoryByName = thread.GetProperty("frameTable").GetProperty("data").EnumerateArray()
            .ToDictionary(f => strings[f[0].GetInt32()], f => f[7].GetInt32());
        Assert.That(categoryByName, Is.EquivalentTo(new Dictionary<string, int>
        {
            ["main (in libapp.so)"] = 0, ["M (in App)"] = 2, ["sys_write (in [kernel.kallsyms])"] = 1,
        }));
    }

    [Test]
    public void Untrusted_names_are_escaped_and_survive_a_round_trip()
    {
        const string evil = "</script><img src=x onerror=alert(1)> \"quoted\" \u0001";
        var profile = SyntheticProfile.Create((new[] { SyntheticProfile.Managed(evil) }, 1));
        var stream = new MemoryStream();
        GeckoProfileWriter.Write(profile.All(), stream);
        string json = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.That(json, Does.Not.Contain("<"));
        using var doc = JsonDocument.Parse(json);
        Assert.That(StringsOf(doc.RootElement.GetProperty("threads")[0]), Does.Contain(evil + " (in App)"));
    }

    /// <summary>
    /// Each sample's stack, read back from the thread's stack, frame and string tables, is the profile's own: for a
    /// view of every sample (tables mapped through arrays) and for a window of a few (through dictionaries, as at a
    /// test's end in a long run).
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Every_sample_reads_back_as_its_own_stack(bool fewSamples)
    {
        var profile = ProfileLoader.Load(Recordings.DotNet);
        var view = fewSamples
            ? profile.Select(new SampleFilter { FromNs = profile.SampleTime(200), ToNs = profile.SampleTime(230) })
            : profile.All();
        Assert.That(view.SampleCount * 8L < profile.Stacks.Count, Is.EqualTo(fewSamples), "the case under test");
        using var doc = Write(view, new GeckoProfileOptions());
        var expected = view.Samples.GroupBy(s => profile.SampleThread(s).Tid)
            .ToDictionary(g => g.Key, g => g.Select(s => StackNames(profile, profile.SampleStack(s))).ToList());
        foreach (var thread in doc.RootElement.GetProperty("threads").EnumerateArray())
        {
            var strings = StringsOf(thread);
            var frames = thread.GetProperty("frameTable").GetProperty("data").EnumerateArray().Select(f => strings[f[0].GetInt32()]).ToList();
            var stacks = thread.GetProperty("stackTable").GetProperty("data").EnumerateArray()
                .Select(s => (Prefix: s[0].ValueKind == JsonValueKind.Null ? -1 : s[0].GetInt32(), Frame: s[1].GetInt32())).ToList();
            var actual = thread.GetProperty("samples").GetProperty("data").EnumerateArray().Select(sample =>
            {
                var names = new List<string>();
                if (sample[0].ValueKind != JsonValueKind.Null)
                {
                    for (int s = sample[0].GetInt32(); s >= 0; s = stacks[s].Prefix) names.Add(frames[stacks[s].Frame]);
                }
                return names;
            }).ToList();
            Assert.That(actual, Is.EqualTo(expected[thread.GetProperty("tid").GetInt32()]), $"thread {thread.GetProperty("tid")}");
        }
    }

    private static List<string> StackNames(Profile profile, int stack)
    {
        var names = new List<string>();
        for (int s = stack; s >= 0; s = profile.Stacks.Parent(s)) names.Add(profile.Frames[profile.Stacks.Frame(s)].Location);
        return names;
    }

    private static JsonDocument Write(ProfileView view, GeckoProfileOptions options)
    {
        var stream = new MemoryStream();
        GeckoProfileWriter.Write(view, stream, options);
        return JsonDocument.Parse(stream.ToArray());
    }

    private static List<string> StringsOf(JsonElement thread) =>
        thread.GetProperty("stringTable").EnumerateArray().Select(s => s.GetString()!).ToList();

    /// <summary>The fields processGeckoProfile reads from a thread, and the indices between its tables.</summary>
    private static int ValidateThread(JsonElement thread, int categoryCount)
    {
        Assert.That(thread.GetProperty("name").ValueKind, Is.EqualTo(JsonValueKind.String));
        Assert.That(thread.GetProperty("processType").GetString(), Is.EqualTo("default"));
        Assert.That(thread.GetProperty("pid").ValueKind, Is.EqualTo(JsonValueKind.Number));
        Assert.That(thread.GetProperty("tid").ValueKind, Is.EqualTo(JsonValueKind.Number));
        Assert.That(thread.GetProperty("registerTime").GetDouble(), Is.EqualTo(0));
        Assert.That(thread.GetProperty("unregisterTime").ValueKind, Is.EqualTo(JsonValueKind.Null));
        int strings = thread.GetProperty("stringTable").GetArrayLength();

        var frameTable = thread.GetProperty("frameTable");
        AssertSchema(frameTable, "location", "relevantForJS", "innerWindowID", "implementation", "optimizations", "line", "column", "category", "subcategory");
        var frames = frameTable.GetProperty("data").EnumerateArray().ToList();
        foreach (var frame in frames)
        {
            Assert.That(frame.GetArrayLength(), Is.EqualTo(9));
            Assert.That(frame[0].GetInt32(), Is.InRange(0, strings - 1));
            Assert.That(frame[1].GetBoolean(), Is.False);
            Assert.That(frame[7].GetInt32(), Is.InRange(0, categoryCount - 1));
        }

        var stackTable = thread.GetProperty("stackTable");
        AssertSchema(stackTable, "prefix", "frame");
        var stacks = stackTable.GetProperty("data").EnumerateArray().ToList();
        for (int i = 0; i < stacks.Count; i++)
        {
            if (stacks[i][0].ValueKind != JsonValueKind.Null) Assert.That(stacks[i][0].GetInt32(), Is.InRange(0, i - 1), "a prefix comes before its stack");
            Assert.That(stacks[i][1].GetInt32(), Is.InRange(0, frames.Count - 1));
        }

        var samples = thread.GetProperty("samples");
        // cpu-clock samples are CPU time: each carries the microseconds it stands for, which the profiler's CPU graph reads.
        AssertSchema(samples, "stack", "time", "responsiveness", "threadCPUDelta");
        double last = double.MinValue;
        var rows = samples.GetProperty("data").EnumerateArray().ToList();
        foreach (var sample in rows)
        {
            Assert.That(sample[3].GetInt64(), Is.EqualTo(1001), "1/999 s in microseconds");
            if (sample[0].ValueKind != JsonValueKind.Null) Assert.That(sample[0].GetInt32(), Is.InRange(0, stacks.Count - 1));
            Assert.That(sample[1].GetDouble(), Is.GreaterThanOrEqualTo(last), "samples in time order");
            last = sample[1].GetDouble();
        }

        var markers = thread.GetProperty("markers");
        AssertSchema(markers, "name", "startTime", "endTime", "phase", "category", "data");
        foreach (var marker in markers.GetProperty("data").EnumerateArray())
        {
            Assert.That(marker[0].GetInt32(), Is.InRange(0, strings - 1));
            Assert.That(marker[2].GetDouble(), Is.GreaterThanOrEqualTo(marker[1].GetDouble()));
            Assert.That(marker[3].GetInt32(), Is.EqualTo(1), "interval phase");
            Assert.That(marker[5].GetProperty("type").GetString(), Is.EqualTo("TestCase"));
        }
        return rows.Count;
    }

    private static void AssertSchema(JsonElement table, params string[] fields)
    {
        var schema = table.GetProperty("schema");
        for (int i = 0; i < fields.Length; i++) Assert.That(schema.GetProperty(fields[i]).GetInt32(), Is.EqualTo(i), fields[i]);
    }
}
