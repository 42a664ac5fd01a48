using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Tests.Support;
using PerfTestKit.Writers;

namespace PerfTestKit.Tests.PerfData;

/// <summary>Recordings made with other perf record options than PerfTestKit's own, compared with perf script.</summary>
public class CompatibilityTests
{
    [Test]
    public void Without_call_chains_each_sample_is_its_own_IP_as_in_perf_script()
    {
        string data = Recordings.NativeWith("no-callchain", "-e", "cpu-clock");
        var ours = FoldedStacksWriter.Fold(ProfileLoader.Load(data).All());
        Assert.That(ours, Is.EquivalentTo(PerfScriptOracle.FoldedStacks(data)));
        Assert.That(ours.Keys, Has.Some.EqualTo("spin;leaf_add"));
    }

    [Test]
    public void With_dwarf_call_graphs_the_stack_dumps_are_skipped_and_every_sample_counted()
    {
        string data = Recordings.NativeWith("dwarf", "-e", "cpu-clock", "--call-graph", "dwarf,4096");
        var profile = ProfileLoader.Load(data);
        Assert.That(profile.Events.Single().SampleFormat.HasFlag(SampleFormat.StackUser), Is.True);
        Assert.That(profile.SampleCount, Is.EqualTo(PerfScriptOracle.SampleCount(data)));
        Assert.That(profile.Warnings, Is.Empty);
        // The leaf is named from the call chain's first user entry even though the user stack is not unwound. The two
        // leaves burn most of the CPU; the vDSO's clock reads come next, and on a busy machine (where a CPU-time clock
        // read waits longer in the kernel) they once outweighed leaf_mul: the leaves are among the top three.
        var top = profile.All().TopFrames(3).Select(c => profile.Frames[c.Frame].Name).ToList();
        Assert.That(top, Is.SupersetOf(new[] { "leaf_add", "leaf_mul" }), string.Join(", ", top));
    }

    [Test]
    public void A_system_wide_recording_has_the_samples_of_every_process_perf_script_prints()
    {
        string data = Recordings.NativeWith("system-wide", "-g", "-e", "cpu-clock", "-a");
        var profile = ProfileLoader.Load(data);
        Assert.That(profile.SampleCount, Is.EqualTo(PerfScriptOracle.SampleCount(data)));
        var threads = Enumerable.Range(0, profile.SampleCount).Select(i => profile.SampleThread(i).Name).Distinct().ToList();
        Assert.That(threads, Does.Contain("spin"));
        var spin = profile.Select(new SampleFilter { Pid = profile.Threads.First(t => t.Name == "spin").Pid });
        Assert.That(FoldedStacksWriter.Fold(spin).Keys, Has.Some.EqualTo("spin;__libc_start_call_main;main;work_a;leaf_add"));
    }

    [Test]
    public void Files_from_switch_output_each_convert_and_together_hold_every_sample()
    {
        string first = Recordings.NativeWith("switch-output", "-g", "-e", "cpu-clock", "--switch-output=8K");
        var files = Directory.GetFiles(Path.GetDirectoryName(first)!, "perf.data.*");
        Assert.That(files.Length, Is.GreaterThan(1), "perf rotated the output");
        int ours = 0, perf = 0;
        foreach (var file in files)
        {
            ours += ProfileLoader.Load(file).SampleCount;
            perf += PerfScriptOracle.SampleCount(file);
        }
        Assert.That(ours, Is.EqualTo(perf));
        Assert.That(ours, Is.GreaterThan(50));
    }

    [Test]
    public void A_compressed_recording_is_refused_with_a_clear_error()
    {
        string data = Recordings.NativeWith("compressed", "-g", "-e", "cpu-clock", "-z");
        var error = Assert.Throws<PerfFormatException>(() => ProfileLoader.Load(data));
        Assert.That(error!.Kind, Is.EqualTo(PerfFormatError.Unsupported));
        Assert.That(error.Message, Does.Contain("compressed"));
    }
}
