using PerfTestKit.Model;
using PerfTestKit.Tests.Support;
using PerfTestKit.Writers;

namespace PerfTestKit.Tests.Writers;

public class FoldedStacksWriterTests
{
    [Test]
    public void Native_and_kernel_stacks_and_counts_agree_with_perf_script_exactly()
    {
        var ours = FoldedStacksWriter.Fold(ProfileLoader.Load(Recordings.NativeFile).All());
        var perf = PerfScriptOracle.FoldedStacks(Recordings.NativeFile);
        Assert.That(ours.Values.Sum(), Is.EqualTo(perf.Values.Sum()));
        Assert.That(ours.Keys.Any(k => k.Contains("entry_SYSCALL_64")), Is.True, "the workload's write() calls show kernel frames");
        Assert.That(ours.Keys.Any(k => k.EndsWith(";__vdso_clock_gettime", StringComparison.Ordinal)), Is.True, "vDSO frames are named");
        Assert.That(ours, Is.EquivalentTo(perf));
    }

    [Test]
    public void The_pipe_mode_recording_agrees_with_perf_script_too()
    {
        var ours = FoldedStacksWriter.Fold(ProfileLoader.Load(Recordings.NativePipe).All());
        Assert.That(ours, Is.EquivalentTo(PerfScriptOracle.FoldedStacks(Recordings.NativePipe)));
    }

    [Test]
    public void Lines_are_sorted_one_per_distinct_stack_with_the_thread_name_as_root()
    {
        var profile = SyntheticProfile.Create(
            (new[] { SyntheticProfile.Native("main"), SyntheticProfile.Native("b") }, 2),
            (new[] { SyntheticProfile.Native("main"), SyntheticProfile.Native("a") }, 3),
            (new[] { SyntheticProfile.Native("main"), SyntheticProfile.Native("b") }, 1));
        var text = new StringWriter();
        FoldedStacksWriter.Write(profile.All(), text);
        Assert.That(text.ToString(), Is.EqualTo("synthetic;main;a 3\nsynthetic;main;b 3\n"));
    }

    [Test]
    public void Separators_and_line_breaks_inside_names_cannot_break_the_format()
    {
        var profile = SyntheticProfile.Create((new[] { SyntheticProfile.Managed("a;b\nc\rd\te") }, 1));
        var text = new StringWriter();
        FoldedStacksWriter.Write(profile.All(), text);
        Assert.That(text.ToString(), Is.EqualTo("synthetic;a:b c d e 1\n"));
    }
}
