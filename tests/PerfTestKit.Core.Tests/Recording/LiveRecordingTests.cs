using System.Diagnostics;
using PerfTestKit.Model;
using PerfTestKit.Recording;
using PerfTestKit.Tests.Support;

namespace PerfTestKit.Tests.Recording;

/// <summary>
/// perf started on a launcher (as the collector starts it on vstest.console) must record the process the launcher
/// starts afterwards, from its start, and say so; and must say so when it does not.
/// </summary>
public class LiveRecordingTests
{
    [Test]
    public async Task Perf_on_a_launcher_records_the_child_it_starts_afterwards()
    {
        string work = Path.Combine(Recordings.Directory, "launcher-" + Guid.NewGuid().ToString("N"));
        // The launcher waits for a line, then starts the workload as a child (not exec: "; true" keeps bash).
        using var launcher = Process.Start(new ProcessStartInfo("bash", new[] { "-c", $"read _; '{Recordings.NativeBinary}' 300; true" })
        {
            RedirectStandardInput = true,
        })!;
        var recording = LiveRecording.StartBeforeChild(new PerfRecordOptions(), launcher.Id, work, null, TimeSpan.FromSeconds(15));
        await using (recording)
        {
            launcher.StandardInput.WriteLine("go");
            launcher.StandardInput.Flush();
            int child = await ChildOf(launcher.Id);
            // The child shows in /proc a moment before the kernel hands perf its FORK record: asked again until then.
            var asked = Stopwatch.StartNew();
            bool follows;
            while (!(follows = recording.Follows(child)) && asked.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
            Assert.That(follows, Is.True, "perf announced the child");
            await launcher.WaitForExitAsync();
            var profile = await recording.StopAsync();

            var view = profile.Select(new SampleFilter { Pid = child });
            Assert.That(view.SampleCount, Is.GreaterThan(150), "300 ms of the child's CPU at 999 Hz");
            // perf's own count for the child: every sample of it was read.
            var script = ProcessRunner.Run("perf", new[] { "script", "-i", recording.DataPath, "-F", "pid" });
            int perfCount = script.StandardOutput.Split('\n').Count(line => line.Trim() == child.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.That(view.SampleCount, Is.EqualTo(perfCount));
            var frames = view.TopFrames(5).Select(c => profile.Frames[c.Frame].Name).ToList();
            Assert.That(frames, Does.Contain("leaf_add").Or.Contain("leaf_mul"), "the child's code is named");
        }
    }

    [Test]
    public async Task Perf_on_a_launcher_does_not_claim_a_process_it_did_not_start()
    {
        string work = Path.Combine(Recordings.Directory, "launcher-" + Guid.NewGuid().ToString("N"));
        using var launcher = Process.Start(new ProcessStartInfo("sleep", "30"))!;
        using var stranger = Process.Start(new ProcessStartInfo("sleep", "30"))!;
        try
        {
            var recording = LiveRecording.StartBeforeChild(new PerfRecordOptions(), launcher.Id, work, null, TimeSpan.FromSeconds(15));
            await using (recording)
            {
                Assert.That(recording.Follows(stranger.Id), Is.False);
                await recording.DiscardAsync();
                Assert.That(File.Exists(recording.DataPath), Is.False, "a discarded recording leaves no file");
            }
        }
        finally
        {
            launcher.Kill();
            stranger.Kill();
        }
    }

    /// <summary>The first child of <paramref name="pid"/>, once it has one (/proc lists a thread's children).</summary>
    private static async Task<int> ChildOf(int pid)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            string children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Trim();
            if (children.Length > 0) return int.Parse(children.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            await Task.Delay(5);
        }
        throw new TimeoutException($"process {pid} started no child");
    }
}
