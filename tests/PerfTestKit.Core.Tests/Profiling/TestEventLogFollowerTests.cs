using PerfTestKit.Profiling;

namespace PerfTestKit.Tests.Profiling;

/// <summary>The log a test host writes, read as it grows: ends as they come, and after a crash the tests that only started.</summary>
public class TestEventLogFollowerTests
{
    [Test]
    public void Ends_are_read_as_they_are_appended_and_a_crash_leaves_the_started_tests_bounded_by_the_next_start()
    {
        string path = Path.Combine(Path.GetTempPath(), $"perftestkit-tests-{Environment.ProcessId}-events-{Guid.NewGuid():N}");
        try
        {
            using var follower = new TestEventLogFollower(path);
            Assert.That(follower.ReadNew(), Is.Empty, "no file yet");
            using (var log = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                log.Write(TestEventLog.StartLine("1", "A", "S.A", 100));
                log.Write(TestEventLog.Line("1", "A", "S.A", "Passed", 100, 200));
                log.Write(TestEventLog.StartLine("2", "B", "S.B", 300));
                // A line cut short waits for the rest.
                byte[] third = TestEventLog.StartLine("3", "C", "S.C", 500);
                log.Write(third.AsSpan(0, 10));
                log.Flush();
                var ended = follower.ReadNew();
                Assert.That(ended.Select(t => (t.Name, t.Outcome, t.StartNs, t.EndNs)), Is.EqualTo(new[] { ("A", "Passed", 100UL, 200UL) }));
                log.Write(third.AsSpan(10));
                log.Flush();
            }
            Assert.That(follower.ReadNew(), Is.Empty, "starts are not ends");
            Assert.That(follower.Finished, Is.False);
            // The host died: B ran until C started, C until the host's end.
            var unfinished = follower.Unfinished(hostEndNs: 900);
            Assert.That(unfinished.Select(t => (t.Name, t.Outcome, t.StartNs, t.EndNs)),
                Is.EqualTo(new[] { ("B", "Aborted", 300UL, 500UL), ("C", "Aborted", 500UL, 900UL) }));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_test_whose_end_is_the_last_line_waits_for_the_next_line_which_says_what_started_after_it()
    {
        string path = Path.Combine(Path.GetTempPath(), $"perftestkit-tests-{Environment.ProcessId}-events-{Guid.NewGuid():N}");
        try
        {
            using var follower = new TestEventLogFollower(path);
            using var log = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            log.Write(TestEventLog.StartLine("1", "Case(1)", "S.Case(1)", 100, declaringType: "S.Base"));
            log.Write(TestEventLog.Line("1", "Case(1)", "S.Case(1)", "Passed", 100, 200, declaringType: "S.Base"));
            log.Flush();
            Assert.That(follower.ReadNew(), Is.Empty, "held until a line follows its end");
            Assert.That(follower.ReadNew(), Is.Empty, "still nothing after it");

            log.Write(TestEventLog.StartLine("2", "Case(2)", "S.Case(2)", 210));
            log.Flush();
            var ended = follower.ReadNew();
            Assert.That(ended.Select(t => (t.Name, t.DeclaringType)), Is.EqualTo(new[] { ("Case(1)", (string?)"S.Base") }));
            Assert.That(follower.Running.Select(t => (t.Name, t.Outcome)), Is.EqualTo(new[] { ("Case(2)", TestCaseWindow.Running) }), "the next case is known to be running");

            log.Write(TestEventLog.Line("2", "Case(2)", "S.Case(2)", "Passed", 210, 300));
            log.Flush();
            Assert.That(follower.ReadNew(), Is.Empty);
            Assert.That(follower.ReadNew(final: true).Select(t => t.Name), Is.EqualTo(new[] { "Case(2)" }), "the host is done: nothing is held");
            Assert.That(follower.TestsRead, Is.EqualTo(2));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void A_failure_the_host_side_reports_is_kept_and_the_tests_around_it_are_still_read()
    {
        string path = Path.Combine(Path.GetTempPath(), $"perftestkit-tests-{Environment.ProcessId}-events-{Guid.NewGuid():N}");
        try
        {
            using var follower = new TestEventLogFollower(path);
            using (var log = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            {
                log.Write(TestEventLog.StartLine("1", "A", "S.A", 100));
                log.Write(TestEventLog.ErrorLine("a test's end", new ArithmeticException("odd \"quoted\" text\nover lines")));
                log.Write(TestEventLog.ErrorLine("a test's start", new IOException("second")));
                log.Write(TestEventLog.Line("1", "A", "S.A", "Passed", 100, 200));
                log.Write(TestEventLog.FinishedLine);
            }
            var ended = follower.ReadNew();
            Assert.That(ended.Select(t => t.Name), Is.EqualTo(new[] { "A" }));
            Assert.That(follower.HostError, Is.EqualTo("a test's end: ArithmeticException: odd \"quoted\" text\nover lines"), "the first one");
            Assert.That(follower.Finished, Is.True);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
