using PerfTestKit.Recording;

namespace PerfTestKit.Tests.Recording;

public class ThreadNiceTests
{
    [Test]
    public void Raises_only_the_calling_thread_and_restores_it()
    {
        Assume.That(Environment.UserName, Is.EqualTo("root"), "raising a thread's priority needs root or CAP_SYS_NICE");
        int outsideBefore = KernelNice();
        int before = 0, inside = 0, outsideMeanwhile = 0, after = 0;
        using var raised = new ManualResetEventSlim();
        using var checkedOutside = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            before = KernelNice();
            using (ThreadNice.Set(ThreadNice.HostWaitsForIt))
            {
                inside = KernelNice();
                raised.Set();
                checkedOutside.Wait();
            }
            after = KernelNice();
        });
        thread.Start();
        raised.Wait();
        outsideMeanwhile = KernelNice();
        checkedOutside.Set();
        thread.Join();

        Assert.That(inside, Is.EqualTo(ThreadNice.HostWaitsForIt), "the kernel's own record of the thread's nice value");
        Assert.That(after, Is.EqualTo(before));
        Assert.That(outsideMeanwhile, Is.EqualTo(outsideBefore), "other threads keep theirs");
    }

    [Test]
    public void Reports_the_calling_threads_value_as_the_kernel_does()
    {
        int reported = 0, kernel = 0;
        var thread = new Thread(() =>
        {
            using (ThreadNice.Set(7))
            {
                reported = ThreadNice.Current();
                kernel = KernelNice();
            }
        });
        thread.Start();
        thread.Join();
        Assert.That(reported, Is.EqualTo(7));
        Assert.That(kernel, Is.EqualTo(7));
    }

    /// <summary>Field 19 of /proc/thread-self/stat, after the parenthesised name (which may hold spaces).</summary>
    private static int KernelNice()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
