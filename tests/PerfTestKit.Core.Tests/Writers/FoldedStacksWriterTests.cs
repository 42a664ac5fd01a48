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
    public void Lines_come_in_ordinal_order_of_their_whole_text_even_where_one_name_starts_another()
    {
        // Frame-wise comparison must still give the order of the joined text: "A.B" sorts before "A;..." ('.' < ';'),
        // "A_" after it, and a line that ends sorts before the lines it starts.
        string[][] stacks =
        {
            new[] { "main", "A", "x" }, new[] { "main", "A.B", "x" }, new[] { "main", "A_", "x" }, new[] { "main", "A" },
            new[] { "main", "A", "x", "y" }, new[] { "main", "Ab" }, new[] { "mai" }, new[] { "main", "A:" }, new[] { "main", "A", "" },
        };
        var profile = SyntheticProfile.Create(stacks.Select((names, i) => (names.Select(SyntheticProfile.Native).ToArray(), i + 1)).ToArray());
        var text = new StringWriter();
        FoldedStacksWriter.Write(profile.All(), text);
        var expected = FoldedStacksWriter.Fold(profile.All()).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}\n");
        Assert.That(text.ToString(), Is.EqualTo(string.Concat(expected)));
    }

    [Test]
    public void The_written_lines_of_a_real_dotnet_recording_are_its_folded_stacks_in_ordinal_order()
    {
        var view = ProfileLoader.Load(Recordings.DotNet).All();
        var text = new StringWriter();
        FoldedStacksWriter.Write(view, text);
        var expected = FoldedStacksWriter.Fold(view).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}\n");
        Assert.That(text.ToString(), Is.EqualTo(string.Concat(expected)));
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
