using System.Text;
using System.Text.Json;

namespace PerfTestKit.Profiling;

/// <summary>
/// How the test host tells the profiler, in another process, that a test ended: one JSON object per line appended
/// to a file the profiler follows. A line "{"finished":true}" closes the session; "{"error":…}" says the host side failed. A file, not a pipe: the host never
/// blocks on a reader that is busy writing profiles. Written by the host side of every front end (an MTP data
/// consumer, a VSTest in-process data collector); this file depends on nothing else in Core, so that the VSTest one
/// compiles it in and loads no assembly of ours into the test host.
/// </summary>
public static class TestEventLog
{
    /// <summary>The log's path, in the host's environment.</summary>
    public const string FileVariable = "PERFTESTKIT_TEST_EVENTS";

    /// <summary>The file the profiler creates once perf records (or it gave up), in the host's environment.</summary>
    public const string ReadyFileVariable = "PERFTESTKIT_READY_FILE";

    /// <summary>A test's end. <paramref name="declaringType"/>: the type that declares its method, when not the one its name gives.</summary>
    public static byte[] Line(string id, string name, string fullName, string outcome, ulong startNs, ulong endNs, string? declaringType = null) => JsonLine(json =>
    {
        WriteTest(json, id, name, fullName, startNs, declaringType);
        json.WriteString("outcome", outcome);
        json.WriteNumber("endNs", endNs);
    });

    /// <summary>
    /// A test's start, written as it starts: should the host die before the test's end is reported (a crash, and the
    /// framework reports ends a little late), its start still bounds where its samples are.
    /// </summary>
    public static byte[] StartLine(string id, string name, string fullName, ulong startNs, string? declaringType = null) => JsonLine(json =>
    {
        json.WriteBoolean("start", true);
        WriteTest(json, id, name, fullName, startNs, declaringType);
    });

    /// <summary>What a start and an end line both say of the test.</summary>
    private static void WriteTest(Utf8JsonWriter json, string id, string name, string fullName, ulong startNs, string? declaringType)
    {
        json.WriteString("id", id);
        json.WriteString("name", name);
        json.WriteString("fullName", fullName);
        json.WriteNumber("startNs", startNs);
        if (declaringType is not null) json.WriteString("declaringType", declaringType);
    }

    /// <summary>One JSON object and a newline.</summary>
    private static byte[] JsonLine(Action<Utf8JsonWriter> writeProperties)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            writeProperties(json);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>
    /// The host side failed (an exception at its boundary, kept out of the test framework): the profiler says so in
    /// its one warning. Written once per host.
    /// </summary>
    public static byte[] ErrorLine(string what, Exception error) => JsonLine(json =>
        json.WriteString("error", $"{what}: {error.GetType().Name}: {error.Message}"));

    public static readonly byte[] FinishedLine = Encoding.UTF8.GetBytes("{\"finished\":true}\n");

    /// <summary>CLOCK_MONOTONIC in nanoseconds, the clock of `perf record -k mono` (Stopwatch uses it on Linux).</summary>
    public static ulong MonotonicNow() => (ulong)(System.Diagnostics.Stopwatch.GetTimestamp() * (1e9 / System.Diagnostics.Stopwatch.Frequency));
}
