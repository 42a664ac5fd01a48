using System.Runtime.InteropServices;
using System.Text;

namespace PerfTestKit.Recording;

/// <summary>
/// perf record's control fifos (--control=fifo:CTL,ACK). Two pings in a row flush every sample taken up to the
/// first one into the output file: the second ack proves perf's loop has drained every ring buffer since.
/// </summary>
public sealed class PerfControl : IDisposable
{
    private readonly string _controlPath;
    private readonly string _ackPath;
    private readonly Task<FileStream> _control;
    private readonly Task<FileStream> _ack;
    private readonly byte[] _ackBuffer = new byte[64];
    private readonly object _gate = new();

    private PerfControl(string controlPath, string ackPath)
    {
        _controlPath = controlPath;
        _ackPath = ackPath;
        // Opening a fifo blocks until the other end opens it; perf opens both once it starts.
        _ack = Task.Run(() => new FileStream(ackPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1));
        _control = Task.Run(() => new FileStream(controlPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1));
    }

    public (string Control, string Ack) Paths => (_controlPath, _ackPath);

    /// <summary>Makes the two fifos in <paramref name="directory"/> and starts waiting for perf to open them.</summary>
    public static PerfControl Create(string directory)
    {
        string control = Path.Combine(directory, "perf.ctl");
        string ack = Path.Combine(directory, "perf.ack");
        MakeFifo(control);
        MakeFifo(ack);
        return new PerfControl(control, ack);
    }

    /// <summary>Waits until perf has opened both fifos, i.e. it has started its recording loop.</summary>
    public bool WaitConnected(TimeSpan timeout) => Task.WaitAll(new Task[] { _control, _ack }, timeout);

    /// <summary>One ping: true when perf acknowledged it within the timeout.</summary>
    public bool Ping(TimeSpan timeout)
    {
        lock (_gate)
        {
            if (!WaitConnected(timeout)) return false;
            StartAckReader();
            long ping = ++_pingsSent;
            var control = _control.Result;
            control.Write("ping\n"u8);
            control.Flush();
            // Acks come in order: this ping's is the one that brings the count up to it (a late ack of a ping that
            // timed out is counted, not taken for this one's).
            var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            lock (_ackGate)
            {
                while (_acksReceived < ping && !_ackEnded)
                {
                    long left = deadline - Environment.TickCount64;
                    if (left <= 0 || !Monitor.Wait(_ackGate, TimeSpan.FromMilliseconds(left))) return _acksReceived >= ping;
                }
                return _acksReceived >= ping;
            }
        }
    }

    /// <summary>Two pings: afterwards the file holds every sample taken before the call.</summary>
    public bool Flush(TimeSpan timeout) => Ping(timeout) && Ping(timeout);

    private long _pingsSent;
    private long _acksReceived;
    private bool _ackEnded;
    private readonly object _ackGate = new();
    private Thread? _ackReader;

    /// <summary>
    /// One thread reads perf's acks for the whole recording and counts them: a pool task per ping waited to be
    /// scheduled, which on a busy machine was most of a flush (up to 10 ms at a test's end).
    /// </summary>
    private void StartAckReader()
    {
        if (_ackReader is not null) return;
        var ack = _ack.Result;
        _ackReader = new Thread(() => ReadAcks(ack)) { IsBackground = true, Name = "perf control acks" };
        _ackReader.Start();
    }

    private void ReadAcks(FileStream ack)
    {
        // A test's end waits for these acks: wake up ahead of the test host's background work.
        using var raised = ThreadNice.Set(ThreadNice.HostWaitsForIt);
        // perf answers "ack\n" followed by a NUL for each command.
        var tail = new StringBuilder();
        try
        {
            while (true)
            {
                int n = ack.Read(_ackBuffer, 0, _ackBuffer.Length);
                if (n <= 0) break;
                int acks = 0;
                for (int i = 0; i < n; i++)
                {
                    char ch = (char)_ackBuffer[i];
                    if (ch == '\n')
                    {
                        if (tail.ToString().EndsWith("ack", StringComparison.Ordinal)) acks++;
                        tail.Clear();
                    }
                    else if (ch != '\0' && tail.Length < 256)
                    {
                        tail.Append(ch);
                    }
                }
                if (acks == 0) continue;
                lock (_ackGate)
                {
                    _acksReceived += acks;
                    Monitor.PulseAll(_ackGate);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        lock (_ackGate)
        {
            _ackEnded = true;
            Monitor.PulseAll(_ackGate);
        }
    }

    public void Dispose()
    {
        // If perf never opened its ends, our opens still block: open those ends ourselves to release them.
        var unblockers = new List<Task<FileStream>>();
        if (!_control.IsCompleted) unblockers.Add(Task.Run(() => new FileStream(_controlPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1)));
        if (!_ack.IsCompleted) unblockers.Add(Task.Run(() => new FileStream(_ackPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1)));
        Task.WaitAll(new Task[] { _control, _ack }.Concat(unblockers).ToArray(), TimeSpan.FromSeconds(2));
        foreach (var stream in new[] { _control, _ack }.Concat(unblockers))
        {
            if (stream.IsCompletedSuccessfully) stream.Result.Dispose();
        }
        TryDelete(_controlPath);
        TryDelete(_ackPath);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void MakeFifo(string path)
    {
        if (mkfifo(path, Convert.ToUInt32("600", 8)) != 0)
        {
            throw new IOException($"mkfifo {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
}
