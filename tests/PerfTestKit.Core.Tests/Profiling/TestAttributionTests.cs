using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Profiling;
using PerfTestKit.Symbols;

namespace PerfTestKit.Tests.Profiling;

/// <summary>
/// Which samples each test gets, on profiles made by hand: tests that ran one after another get their whole window on
/// every thread; tests that ran beside each other get only the samples that hold their own method, never another's.
/// </summary>
public class TestAttributionTests
{
    private const int Pid = 100;

    [TestCase("FirstTests::First()", "FirstTests.First")]
    [TestCase("Ns.FirstTests::First(int32)", "Ns.FirstTests.First")]
    [TestCase("ThirdTests+<Third>d__0::MoveNext()", "ThirdTests.Third")]
    [TestCase("ThirdTests+<>c__DisplayClass0_0::<Third>b__0()", "ThirdTests.Third")]
    [TestCase("Ns.T+<>c::<Third>b__2_0(class System.Object)", "Ns.T.Third")]
    [TestCase("Ns.T+<>c+<<Third>b__2_0>d::MoveNext()", "Ns.T.Third")]
    [TestCase("LocalTests::<WithLocal>g__L|0_0()", "LocalTests.WithLocal")]
    [TestCase("Ns.T+<<WithLocal>g__L|0_0>d::MoveNext()", "Ns.T.WithLocal")]
    [TestCase("Ns.Outer+Inner::Method()", "Ns.Outer+Inner.Method")]
    [TestCase("Ns.T::Generic[System.__Canon](!!0)", "Ns.T.Generic")]
    [TestCase("System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1+AsyncStateMachineBox`1[System.Threading.Tasks.VoidTaskResult,ThirdTests+<Third>d__0]::MoveNext()",
        "System.Runtime.CompilerServices.AsyncTaskMethodBuilder`1+AsyncStateMachineBox`1[System.Threading.Tasks.VoidTaskResult,ThirdTests+<Third>d__0].MoveNext")]
    public void Compiler_generated_code_counts_for_the_method_it_was_written_in(string frame, string method)
    {
        Assert.That(SourceMethod.Of(frame), Is.EqualTo(method));
    }

    [TestCase("[unknown]")]
    [TestCase("leaf_add")]
    public void Frames_that_are_not_dotnet_methods_have_none(string frame)
    {
        Assert.That(SourceMethod.Of(frame), Is.Null);
    }

    [Test]
    public void Tests_beside_each_other_get_only_their_own_methods_samples_and_a_thread_pool_lambda_goes_to_its_test()
    {
        var profile = new Builder()
            // 0-99 ms: First on thread 1, Second on thread 2, Third's Task.Run lambda on pool thread 3; the JIT on thread 4.
            .Every(0, 100, 1, "xunit::Run", "FirstTests::First()", "Hot::HotFirst(int32)")
            .Every(0, 100, 2, "xunit::Run", "SecondTests::Second()", "Hot::HotSecond(int32)")
            .Every(10, 90, 3, "ThreadPool::Work", "ThirdTests+<>c__DisplayClass0_0::<Third>b__0()", "Hot::HotThird(int32)")
            .Every(0, 100, 4, "jit::compile")
            .Build();
        var search = new TestWindowSearch(Pid, 0);
        var first = Window("1", "FirstTests.First", 0, 100);
        var second = Window("2", "SecondTests.Second", 1, 101);
        var third = Window("3", "ThirdTests.Third", 2, 102);

        var located = new[]
        {
            search.Next(first, new[] { second, third }, profile),
            search.Next(second, new[] { third }, profile),
            search.Next(third, Array.Empty<TestCaseWindow>(), profile),
        };

        string[] hot = { "Hot::HotFirst(int32)", "Hot::HotSecond(int32)", "Hot::HotThird(int32)" };
        for (int i = 0; i < 3; i++)
        {
            var leaves = Leaves(located[i].View);
            Assert.That(leaves, Is.EquivalentTo(new[] { hot[i] }), $"test {i + 1} holds its own hot method only");
            Assert.That(located[i].How.Beside, Has.Count.EqualTo(2));
        }
        Assert.That(located[0].View.SampleCount, Is.EqualTo(100));
        Assert.That(located[2].View.SampleCount, Is.EqualTo(80), "the pool thread's work is the third test's");
        Assert.That(located[0].Unattributed, Is.EqualTo(99), "the JIT thread's samples in the first test's window go to nobody");
        Assert.That(search.ParallelTests, Is.EqualTo(3));
    }

    [Test]
    public void Once_tests_ran_in_parallel_a_test_whose_report_overlaps_none_still_gets_only_its_own_samples()
    {
        var profile = new Builder()
            .Every(0, 50, 1, "xunit::Run", "FirstTests::First()", "Hot::HotFirst(int32)")
            .Every(0, 50, 2, "xunit::Run", "SecondTests::Second()", "Hot::HotSecond(int32)")
            .Every(60, 100, 1, "xunit::Run", "LaterTests::Later()", "Hot::HotThird(int32)")
            // Another class's constructor on another thread: that test was reported in a late burst, as taking 0 ms.
            .Every(60, 100, 2, "xunit::Run", "OtherTests::.ctor()", "Hot::HotBase(int32)")
            .Build();
        var search = new TestWindowSearch(Pid, 0);
        var first = Window("1", "FirstTests.First", 0, 50);
        var second = Window("2", "SecondTests.Second", 1, 51);
        search.Next(first, new[] { second }, profile);
        search.Next(second, Array.Empty<TestCaseWindow>(), profile);
        var later = search.Next(Window("3", "LaterTests.Later", 55, 101), Array.Empty<TestCaseWindow>(), profile);

        Assert.That(later.How.Beside, Is.Empty);
        Assert.That(later.How.Parallel, Is.True, "the host ran tests in parallel");
        Assert.That(Leaves(later.View), Is.EquivalentTo(new[] { "Hot::HotThird(int32)" }), "not the other class's constructor work");
        Assert.That(later.Unattributed, Is.EqualTo(39));
    }

    [Test]
    public void A_first_test_reported_before_any_other_started_is_searched_again_sample_by_sample_once_the_run_is_parallel()
    {
        var profile = new Builder()
            .Every(0, 100, 1, "xunit::Run", "FirstTests::First()", "Hot::HotFirst(int32)")
            .Every(0, 100, 2, "xunit::Run", "SecondTests::Second()", "Hot::HotSecond(int32)")
            .Build();
        var search = new TestWindowSearch(Pid, 0);
        // The framework reported the first test's end before the second test's start, though both ran together.
        var first = Window("1", "FirstTests.First", 0, 100);
        var alone = search.Next(first, Array.Empty<TestCaseWindow>(), profile);
        var second = Window("2", "SecondTests.Second", 99, 101);
        search.Next(second, Array.Empty<TestCaseWindow>(), profile);

        Assert.That(alone.How.Parallel, Is.False);
        Assert.That(Leaves(alone.View), Does.Contain("Hot::HotSecond(int32)"), "searched as alone, its window held the other test's work");
        var again = search.AsParallel(first, new[] { first, second }, profile);
        Assert.That(again.How.Parallel, Is.True);
        Assert.That(Leaves(again.View), Is.EquivalentTo(new[] { "Hot::HotFirst(int32)" }));
    }

    [Test]
    public void A_test_that_ran_alone_keeps_its_whole_window_on_every_thread()
    {
        var profile = new Builder()
            .Every(0, 50, 1, "nunit::Run", "A::Alpha()", "Hot::HotAlpha(int32)")
            .Every(0, 50, 4, "jit::compile")
            .Every(60, 110, 1, "nunit::Run", "A::Beta()", "Hot::HotBeta(int32)")
            .Build();
        var search = new TestWindowSearch(Pid, 0);
        var alpha = search.Next(Window("1", "A.Alpha", 0, 55), new[] { Window("2", "A.Beta", 56, 56, TestCaseWindow.Running) }, profile);
        var beta = search.Next(Window("2", "A.Beta", 56, 115), Array.Empty<TestCaseWindow>(), profile);

        Assert.That(alpha.How.Beside, Is.Empty, "a test that starts after another ended did not run beside it");
        Assert.That(Leaves(alpha.View), Is.EquivalentTo(new[] { "Hot::HotAlpha(int32)", "jit::compile" }), "alone, a test keeps its JIT work");
        Assert.That(alpha.View.SampleCount, Is.EqualTo(99), "from its first to its last sample: 50 of its own, 49 of the JIT's");
        Assert.That(Leaves(beta.View), Is.EquivalentTo(new[] { "Hot::HotBeta(int32)" }));
        Assert.That(search.ParallelTests, Is.Zero);
    }

    [Test]
    public void An_inherited_test_is_found_by_the_type_that_declares_it_in_each_derived_class()
    {
        var profile = new Builder()
            .Every(0, 40, 1, "nunit::Run", "Ns.BaseTests::Inherited()", "Hot::HotBase(int32)")
            .Every(50, 90, 1, "nunit::Run", "Ns.BaseTests::Inherited()", "Hot::HotBase(int32)")
            .Build();
        var search = new TestWindowSearch(Pid, 0);
        var a = search.Next(Window("1", "Ns.DerivedA.Inherited", 0, 45) with { DeclaringType = "Ns.BaseTests" }, Array.Empty<TestCaseWindow>(), profile);
        var b = search.Next(Window("2", "Ns.DerivedB.Inherited", 46, 95) with { DeclaringType = "Ns.BaseTests" }, Array.Empty<TestCaseWindow>(), profile);

        Assert.That(a.View.SampleCount, Is.EqualTo(40));
        Assert.That(b.View.SampleCount, Is.EqualTo(40));
        Assert.That(b.Test.StartNs, Is.EqualTo(Ms(50) + 1), "the second class's test starts after the first one's");
    }

    [Test]
    public void Two_cases_of_one_method_beside_each_other_are_given_no_samples_rather_than_each_others()
    {
        var profile = new Builder()
            .Every(0, 50, 1, "nunit::Run", "P::Case(int32)", "Hot::HotFirst(int32)")
            .Every(0, 50, 2, "nunit::Run", "P::Case(int32)", "Hot::HotSecond(int32)")
            .Build();
        var search = new TestWindowSearch(Pid, 0);
        var one = search.Next(Window("1", "P.Case(1)", 0, 55), new[] { Window("2", "P.Case(2)", 1, 56) }, profile);

        Assert.That(one.View.SampleCount, Is.Zero);
        Assert.That(one.How.SameMethodBeside, Is.True);
    }

    [Test]
    public void Consecutive_cases_of_one_method_end_where_the_method_was_left_not_at_the_late_reported_end()
    {
        var profile = new Builder()
            .Every(0, 40, 1, "nunit::Run", "P::Case(int32)", "Hot::HotFirst(int32)")
            .Every(40, 45, 1, "nunit::Run", "P::SetUp()")
            .Every(12, 13, 1, "[unknown] (in libcoreclr.so)")
            .Every(45, 90, 1, "nunit::Run", "P::Case(int32)", "Hot::HotSecond(int32)")
            .Build();
        var search = new TestWindowSearch(Pid, 0);
        // The front end learnt of the first case's end 30 ms late, after the second case had started.
        var one = search.Next(Window("1", "P.Case(1)", 0, 70), new[] { Window("2", "P.Case(2)", 71, 71, TestCaseWindow.Running) }, profile);
        var two = search.Next(Window("2", "P.Case(2)", 71, 95), Array.Empty<TestCaseWindow>(), profile);

        Assert.That(Leaves(one.View), Does.Contain("Hot::HotFirst(int32)").And.Not.Contain("Hot::HotSecond(int32)"),
            "a broken stack walk (no method, no thread root) inside the first case does not end it");
        Assert.That(one.Test.EndNs, Is.EqualTo(Ms(39) + 1));
        Assert.That(Leaves(two.View), Is.EquivalentTo(new[] { "Hot::HotSecond(int32)" }));
        Assert.That(two.View.SampleCount, Is.EqualTo(45));
    }

    private static TestCaseWindow Window(string id, string fullName, int startMs, int endMs, string outcome = "Passed") =>
        new(id, fullName, fullName, outcome, Ms(startMs), Ms(endMs));

    private static ulong Ms(int ms) => 1_000_000_000UL + (ulong)ms * 1_000_000;

    private static List<string> Leaves(ProfileView view) =>
        view.Samples.Select(s => view.Profile.Frames[view.Profile.Stacks.Frame(view.Profile.SampleStack(s))].Name).Distinct().ToList();

    /// <summary>Samples 1 ms apart on given threads of one process, each with a stack given root first.</summary>
    private sealed class Builder
    {
        private readonly List<(ulong Time, int Tid, string[] Frames)> _samples = new();

        public Builder Every(int fromMs, int toMs, int tid, params string[] frames)
        {
            for (int ms = fromMs; ms < toMs; ms++) _samples.Add((Ms(ms) + (ulong)tid, tid, frames));
            return this;
        }

        public Profile Build()
        {
            var profile = new Profile
            {
                Source = "synthetic",
                Session = new PerfSessionInfo(),
                Events = new[] { new PerfEventAttr { Type = 1, Config = 0, SamplePeriodOrFrequency = 1000, SampleFormat = SampleFormat.Ip, ReadFormat = ReadFormat.None, Flags = 1 << 10, Name = "cpu-clock" } },
            };
            var threads = new Dictionary<int, int>();
            foreach (var (time, tid, frames) in _samples.OrderBy(s => s.Time))
            {
                if (!threads.TryGetValue(tid, out int thread))
                {
                    thread = threads[tid] = profile.Threads.Count;
                    profile.Threads.Add(new ThreadInfo(thread, Pid, tid, $"thread {tid}"));
                }
                int stack = Profile.EmptyStack;
                foreach (string frame in frames)
                {
                    var kind = frame.Contains("::", StringComparison.Ordinal) && !frame.StartsWith("jit", StringComparison.Ordinal) ? FrameKind.Managed : FrameKind.Native;
                    stack = profile.Stacks.Intern(stack, profile.Frames.Intern(new FrameInfo(frame, "App", kind)));
                }
                profile.Samples.Add(time, stack, thread, 0);
            }
            return profile;
        }
    }
}
