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
}
