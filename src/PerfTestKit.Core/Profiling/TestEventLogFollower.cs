using System.Text.Json;

namespace PerfTestKit.Profiling;

/// <summary>Reads the lines appended to a <see cref="TestEventLog"/> file so far; a line still being written waits for its end.</summary>
public sealed class TestEventLogFollower : IDisposable
{
    private readonly string _path;
    private FileStream? _stream;
    private byte[] _pending = new byte[64 * 1024];
    private int _pendingLength;
    private readonly Dictionary<string, TestCaseWindow> _started = new(StringComparer.Ordinal);
    private TestCaseWindow? _heldBack;

    public TestEventLogFollower(string path) => _path = path;

    /// <summary>Whether the session's end was read.</summary>
    public bool Finished { get; private set; }

    /// <summary>The first failure the host side reported (<see cref="TestEventLog.ErrorLine"/>), if any.</summary>
    public string? HostError { get; private set; }

    /// <summary>How many tests' ends were read in all.</summary>
    public int TestsRead { get; private set; }

    /// <summary>
    /// Tests that ended since the last call. A test whose end is the last line so far is held back until a line
    /// follows it (or <paramref name="final"/>): whether the next test started, and of which method, decides where its
    /// samples end (see <see cref="TestWindowSearch"/>).
    /// </summary>
    public List<TestCaseWindow> ReadNew(bool final = false)
    {
        var tests = new List<TestCaseWindow>();
        bool anyLine = false, lastLineEnded = false;
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
            var test = Parse(line, out var kind, out string? error);
            anyLine = true;
            lastLineEnded = kind == LineKind.End;
            switch (kind)
            {
                case LineKind.Finished: Finished = true; break;
                case LineKind.HostError: HostError ??= error; break;
                case LineKind.Start: _started[test!.Id] = test; break;
                default:
                    _started.Remove(test!.Id);
                    tests.Add(test);
                    break;
            }
        }
        Buffer.BlockCopy(_pending, start, _pending, 0, _pendingLength - start);
        _pendingLength -= start;
        if (_heldBack is { } held && (anyLine || final))
        {
            tests.Insert(0, held);
            _heldBack = null;
        }
        if (lastLineEnded && !final && !Finished)
        {
            _heldBack = tests[^1];
            tests.RemoveAt(tests.Count - 1);
        }
        TestsRead += tests.Count;
        return tests;
    }

    /// <summary>Tests whose start was read but not their end (outcome <see cref="TestCaseWindow.Running"/>): they may run beside those that ended.</summary>
    public IReadOnlyCollection<TestCaseWindow> Running => _started.Values.Select(t => t with { Outcome = TestCaseWindow.Running }).ToList();

    /// <summary>
    /// Tests whose start was read but not their end, in the order they started: after a crash, each is taken to have
    /// run until the next one started, or until <paramref name="hostEndNs"/> (outcome "Aborted").
    /// </summary>
    public List<TestCaseWindow> Unfinished(ulong hostEndNs)
    {
        var started = _started.Values.OrderBy(t => t.StartNs).ToList();
        return started.Select((t, i) => t with { EndNs = i + 1 < started.Count ? started[i + 1].StartNs : Math.Max(hostEndNs, t.StartNs) }).ToList();
    }

    internal enum LineKind { Start, End, Finished, HostError }

    /// <summary>A test's start or end; null for the session's end and for the host's error (<paramref name="error"/>).</summary>
    internal static TestCaseWindow? Parse(ReadOnlySpan<byte> line, out LineKind kind, out string? error)
    {
        var reader = new Utf8JsonReader(line);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        error = null;
        if (root.TryGetProperty("finished", out _))
        {
            kind = LineKind.Finished;
            return null;
        }
        if (root.TryGetProperty("error", out var message))
        {
            kind = LineKind.HostError;
            error = message.GetString();
            return null;
        }
        bool isStart = root.TryGetProperty("start", out _);
        kind = isStart ? LineKind.Start : LineKind.End;
        ulong startNs = root.GetProperty("startNs").GetUInt64();
        return new TestCaseWindow(
            root.GetProperty("id").GetString() ?? "",
            root.GetProperty("name").GetString() ?? "",
            root.GetProperty("fullName").GetString() ?? "",
            isStart ? "Aborted" : root.GetProperty("outcome").GetString() ?? "",
            startNs,
            isStart ? startNs : root.GetProperty("endNs").GetUInt64())
        {
            DeclaringType = root.TryGetProperty("declaringType", out var declaring) ? declaring.GetString() : null,
        };
    }

    public void Dispose() => _stream?.Dispose();
}
