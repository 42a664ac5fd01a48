using PerfTestKit.Model;
using PerfTestKit.Tests.Support;
using PerfTestKit.Writers;

namespace PerfTestKit.Tests.Writers;

/// <summary>Splitting a view's samples by thread, by block masks (up to 64 threads) or by lists (more).</summary>
public class ThreadSampleGroupsTests
{
    [TestCase(3)]
    [TestCase(64)]
    [TestCase(70)]
    public void Each_thread_gets_exactly_its_samples_in_order_whatever_the_thread_count(int threads)
    {
        var profile = SyntheticProfile.Create();
        profile.Threads.Clear();
        // Two entries per (pid, tid) for thread 0 (a renamed thread): they are one group.
        for (int t = 0; t < threads; t++) profile.Threads.Add(new ThreadInfo(profile.Threads.Count, 1000 - t % 2, 5000 - t, $"t{t}"));
        profile.Threads.Add(new ThreadInfo(profile.Threads.Count, 1000, 5000, "t0 renamed"));
        var random = new Random(threads);
        for (int i = 0; i < 30_000; i++)
        {
            // Thread 1 only in a short stretch: most blocks lack it, and are skipped.
            int thread = i is > 12_000 and < 12_100 ? 1 : random.Next(0, profile.Threads.Count) is var t && t == 1 ? 0 : t;
            profile.Samples.Add((ulong)i, -1, thread, 0);
        }
        var view = profile.All();
        var groups = new ThreadSampleGroups(view);

        var expected = view.Samples.GroupBy(s => (profile.SampleThread(s).Pid, profile.SampleThread(s).Tid))
            .OrderBy(g => g.Key.Pid).ThenBy(g => g.Key.Tid).Select(g => (g.Key, g.ToList())).ToList();
        Assert.That(groups.Groups.Select(g => (g.Pid, g.Tid)), Is.EqualTo(expected.Select(e => e.Key)));
        foreach (var group in groups.Groups)
        {
            var samples = new List<int>();
            foreach (int s in groups.Samples(group.Group)) samples.Add(s);
            var want = expected.Single(e => e.Key == (group.Pid, group.Tid)).Item2;
            Assert.That(samples, Is.EqualTo(want), $"thread {group.Tid}");
            Assert.That((group.Count, group.LastSample), Is.EqualTo((want.Count, want[^1])));
        }
    }
}
