using System.Text;
using System.Text.Json;
using PerfTestKit.Profiling;

namespace PerfTestKit.TestingPlatform;

/// <summary>
/// How the test host tells the recorder, in another process, that a test ended: one JSON object per line appended
/// to a file the recorder follows. A line "{"finished":true}" closes the session. A file, not a pipe: the host never
/// blocks on a reader that is busy writing profiles.
/// </summary>
internal static class TestEventLog
{
    public const string FileVariable = "PERFTESTKIT_TEST_EVENTS";
    public const string ReadyFileVariable = "PERFTESTKIT_READY_FILE";

    public static byte[] Line(TestCaseWindow test)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", test.Id);
            json.WriteString("name", test.Name);
            json.WriteString("fullName", test.FullName);
            json.WriteString("outcome", test.Outcome);
            json.WriteNumber("startNs", test.StartNs);
            json.WriteNumber("endNs", test.EndNs);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    public static readonly byte[] FinishedLine = Encoding.UTF8.GetBytes("{\"finished\":true}\n");

    /// <summary>A test's end, or null for the session's end.</summary>
    public static TestCaseWindow? Parse(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (root.TryGetProperty("finished", out _)) return null;
        return new TestCaseWindow(
            root.GetProperty("id").GetString() ?? "",
            root.GetProperty("name").GetString() ?? "",
            root.GetProperty("fullName").GetString() ?? "",
            root.GetProperty("outcome").GetString() ?? "",
            root.GetProperty("startNs").GetUInt64(),
            root.GetProperty("endNs").GetUInt64());
    }
}

/// <summary>Reads the lines appended to a <see cref="TestEventLog"/> file so far; a line still being written waits for its end.</summary>
internal sealed class TestEventLogFollower : IDisposable
{
    private readonly string _path;
    private FileStream? _stream;
    private byte[] _pending = new byte[64 * 1024];
    private int _pendingLength;

    public TestEventLogFollower(string path) => _path = path;

    /// <summary>Tests that ended since the last call; <paramref name="finished"/> once the session's end was read.</summary>
    public List<TestCaseWindow> ReadNew(out bool finished)
    {
        finished = false;
        var tests = new List<TestCaseWindow>();
        if (_stream is null)
        {
            if (!File.Exists(_path)) return tests;
            _stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        while (true)
        {
            if (_pendingLength == _pending.Length) Array.Resize(ref _pending, _pending.Length * 2);
            int read = _stream.Read(_pending, _pendingLength, _pending.Length - _pendingLength);
            if (read == 0) break;
            _pendingLength += read;
        }
        int start = 0;
        for (int newline; (newline = Array.IndexOf(_pending, (byte)'\n', start, _pendingLength - start)) >= 0; start = newline + 1)
        {
            var line = _pending.AsSpan(start, newline - start);
            if (line.IsEmpty) continue;
            var test = TestEventLog.Parse(line);
            if (test is null) finished = true;
            else tests.Add(test);
        }
        Buffer.BlockCopy(_pending, start, _pending, 0, _pendingLength - start);
        _pendingLength -= start;
        return tests;
    }

    public void Dispose() => _stream?.Dispose();
}
