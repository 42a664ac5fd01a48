using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Tests.Support;
using PerfTestKit.Writers;

namespace PerfTestKit.Tests.PerfData;

public class PerfDataReaderTests
{
    [Test]
    public void A_file_mode_recording_has_as_many_samples_as_perf_script_prints()
    {
        var profile = ProfileLoader.Load(Recordings.NativeFile);
        Assert.That(profile.SampleCount, Is.GreaterThan(300));
        Assert.That(profile.SampleCount, Is.EqualTo(PerfScriptOracle.SampleCount(Recordings.NativeFile)));
    }

    [Test]
    public void A_pipe_mode_recording_has_as_many_samples_as_perf_script_prints()
    {
        var profile = ProfileLoader.Load(Recordings.NativePipe);
        Assert.That(profile.SampleCount, Is.GreaterThan(300));
        Assert.That(profile.SampleCount, Is.EqualTo(PerfScriptOracle.SampleCount(Recordings.NativePipe)));
    }

    [Test]
    public void The_dotnet_recording_has_as_many_samples_as_perf_script_prints()
    {
        var profile = ProfileLoader.Load(Recordings.DotNet);
        Assert.That(profile.SampleCount, Is.EqualTo(PerfScriptOracle.SampleCount(Recordings.DotNet)));
    }

    [TestCase("cpu-clock,task-clock")]
    [TestCase("{cpu-clock,task-clock}:S")]
    public void Several_events_and_counter_reads_give_the_samples_perf_script_prints_per_event(string events)
    {
        string data = Recordings.NativeWithEvents(events);
        var profile = ProfileLoader.Load(data);
        var ours = Enumerable.Range(0, profile.SampleCount).GroupBy(i => profile.Events[profile.SampleEvent(i)].Name)
            .ToDictionary(g => g.Key, g => g.Count());
        var perf = ProcessRunner.Run("perf", new[] { "script", "-i", data, "-F", "event" }).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).GroupBy(l => l.Trim().TrimEnd(':'))
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.That(ours.Keys, Is.EquivalentTo(new[] { "cpu-clock", "task-clock" }));
        Assert.That(ours, Is.EquivalentTo(perf));
        Assert.That(FoldedStacksWriter.Fold(profile.All()), Is.EquivalentTo(PerfScriptOracle.FoldedStacks(data)));
    }

    [Test]
    public void The_header_features_name_the_host_the_command_and_the_event()
    {
        using var reader = PerfDataReader.Open(Recordings.NativeFile);
        Assert.Multiple(() =>
        {
            Assert.That(reader.IsPipeMode, Is.False);
            Assert.That(reader.Info.Hostname, Is.EqualTo(Environment.MachineName).Or.EqualTo(File.ReadAllText("/proc/sys/kernel/hostname").Trim()));
            Assert.That(reader.Info.CommandLine, Does.Contain("record"));
            Assert.That(reader.Info.CommandLine.Last(), Is.EqualTo("600"));
            Assert.That(reader.Info.CpusOnline, Is.EqualTo(Environment.ProcessorCount));
            Assert.That(reader.Info.ClockId, Is.EqualTo(1), "CLOCK_MONOTONIC from -k mono");
            Assert.That(reader.Attributes.Single().Name, Is.EqualTo("cpu-clock"));
            Assert.That(reader.Attributes.Single().SampleFormat.HasFlag(SampleFormat.Callchain), Is.True);
        });
    }

    [Test]
    public void A_pipe_stream_carries_its_attributes_and_features_in_band()
    {
        using var stream = File.OpenRead(Recordings.NativePipe);
        using var reader = PerfDataReader.Open(new NonSeekableStream(stream));
        Assert.That(reader.IsPipeMode, Is.True);
        int samples = 0;
        while (reader.TryRead(out var record)) if (record.Type == RecordType.Sample) samples++;
        Assert.Multiple(() =>
        {
            Assert.That(samples, Is.EqualTo(PerfScriptOracle.SampleCount(Recordings.NativePipe)));
            Assert.That(reader.Attributes.Select(a => a.Name), Does.Contain("cpu-clock"));
            Assert.That(reader.Info.CommandLine, Does.Contain("-"));
        });
    }

    [Test]
    public void Records_come_out_in_timestamp_order()
    {
        using var reader = PerfDataReader.Open(Recordings.DotNet);
        ulong last = 0;
        int timed = 0;
        while (reader.TryRead(out var record))
        {
            if (record.Time == 0) continue; // synthesized records
            Assert.That(record.Time, Is.GreaterThanOrEqualTo(last), $"record at {record.Offset} is older than the one before it");
            last = record.Time;
            timed++;
        }
        Assert.That(timed, Is.GreaterThan(100));
    }

    [Test]
    public void Pipe_and_file_recordings_of_the_same_workload_convert_to_the_same_shape()
    {
        var file = TopSelfFrames(ProfileLoader.Load(Recordings.NativeFile));
        var pipe = TopSelfFrames(ProfileLoader.Load(Recordings.NativePipe));
        Assert.That(pipe.Take(2), Is.EquivalentTo(file.Take(2)));
        Assert.That(file.Take(2), Is.EquivalentTo(new[] { "leaf_add", "leaf_mul" }));

        var fileStacks = FoldedStacksWriter.Fold(ProfileLoader.Load(Recordings.NativeFile).All()).Keys.Select(Shape).ToHashSet();
        var pipeStacks = FoldedStacksWriter.Fold(ProfileLoader.Load(Recordings.NativePipe).All()).Keys.Select(Shape).ToHashSet();
        Assert.That(pipeStacks.Contains("spin;__libc_start_call_main;main;work_a;leaf_add"), Is.True);
        Assert.That(fileStacks.Contains("spin;__libc_start_call_main;main;work_a;leaf_add"), Is.True);
        Assert.That(pipeStacks.Contains("spin;__libc_start_call_main;main;work_b;leaf_mul"), Is.True);
        Assert.That(fileStacks.Contains("spin;__libc_start_call_main;main;work_b;leaf_mul"), Is.True);

        static string Shape(string stack) => stack;
    }

    private static List<string> TopSelfFrames(Profile profile) =>
        profile.All().TopFrames(5).Select(c => profile.Frames[c.Frame].Name).ToList();

    /// <summary>A stream that refuses to seek, like a pipe.</summary>
    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
