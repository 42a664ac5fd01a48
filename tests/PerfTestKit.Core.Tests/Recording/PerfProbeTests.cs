using PerfTestKit.Recording;
using PerfTestKit.Tests.Support;

namespace PerfTestKit.Tests.Recording;

/// <summary>What a user reads when perf cannot record: what happened and the fix, first, in one line.</summary>
public class PerfProbeTests
{
    [Test]
    public async Task A_missing_perf_names_the_package_to_install()
    {
        var availability = await PerfProbe.CheckAsync("/nonexistent/perf");
        Assert.That(availability.IsAvailable, Is.False);
        Assert.That(availability.Message, Does.StartWith("'/nonexistent/perf' was not found on PATH; fix: sudo apt-get install linux-perf"));
    }

    /// <summary>perf's own refusal is 15 lines with the fix at their end: the message leads with the fix and names a file holding perf's text.</summary>
    [Test]
    public async Task A_perf_that_may_not_record_gives_the_sysctl_first_and_keeps_its_own_text_in_a_file()
    {
        string fake = Path.Combine(Recordings.Directory, $"forbidden-perf-{Guid.NewGuid():N}");
        File.WriteAllText(fake, "#!/bin/sh\necho 'Error:' >&2\necho 'Access to performance monitoring and observability operations is limited.' >&2\necho 'perf_event_paranoid setting is 4:' >&2\nexit 255\n");
        Assert.That(ProcessRunner.Run("chmod", new[] { "+x", fake }).ExitCode, Is.EqualTo(0));
        try
        {
            var availability = await PerfProbe.CheckAsync(fake);
            Assert.That(availability.IsAvailable, Is.False);
            Assert.That(availability.Message, Does.StartWith("perf may not record here (kernel.perf_event_paranoid=")
                .And.Contain("fix: sudo sysctl kernel.perf_event_paranoid=1").And.Not.Contain("\n"));
            string log = availability.Message[(availability.Message.LastIndexOf("perf's own message: ", StringComparison.Ordinal) + 20)..];
            Assert.That(File.ReadAllText(log), Does.Contain("Access to performance monitoring and observability operations is limited."));
            File.Delete(log);
        }
        finally
        {
            File.Delete(fake);
        }
    }
}
