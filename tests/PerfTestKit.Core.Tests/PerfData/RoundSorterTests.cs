using PerfTestKit.PerfData;

namespace PerfTestKit.Tests.PerfData;

public class RoundSorterTests
{
    /// <summary>
    /// The example from perf's ordered-events comment: two CPUs' buffers are drained in passes; an event of
    /// pass n+1 may be older than the newest of pass n, so only what is older than pass n's maximum may leave
    /// at the end of pass n+1.
    /// </summary>
    [Test]
    public void Releases_only_events_older_than_the_previous_rounds_newest_and_sorts_them()
    {
        var sorter = new RoundSorter();
        Enqueue(sorter, 1, 4, 7, 2, 3); // pass 1: cpu0 [1 4 7], cpu1 [2 3]
        sorter.FinishRound();
        Assert.That(Drain(sorter), Is.Empty, "nothing can leave after the first round");

        Enqueue(sorter, 9, 5, 8, 6);    // pass 2: cpu0 [9], cpu1 [5 8 6]
        sorter.FinishRound();
        Assert.That(Drain(sorter), Is.EqualTo(new ulong[] { 1, 2, 3, 4, 5, 6, 7 }), "everything up to round 1's newest (7)");

        Enqueue(sorter, 10);
        sorter.FlushAll();
        Assert.That(Drain(sorter), Is.EqualTo(new ulong[] { 8, 9, 10 }));
    }

    [Test]
    public void Events_with_equal_times_keep_their_file_order()
    {
        var sorter = new RoundSorter();
        for (int i = 0; i < 5; i++) sorter.Enqueue(new byte[] { (byte)i }, 42, i, i);
        sorter.FlushAll();
        var tags = new List<int>();
        while (sorter.TryDequeue(out _, out _, out _, out int tag)) tags.Add(tag);
        Assert.That(tags, Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
    }

    /// <summary>
    /// Rounds made of many ascending runs with shared times (as many CPUs give): the merge must give exactly
    /// a stable sort by time, ties in arrival order.
    /// </summary>
    [Test]
    public void Many_interleaved_runs_come_out_as_a_stable_sort_by_time()
    {
        var random = new Random(1234);
        var sorter = new RoundSorter();
        var arrived = new List<(ulong Time, int Tag)>();
        int tag = 0;
        for (int run = 0; run < 37; run++)
        {
            ulong time = (ulong)random.Next(0, 50);
            int length = random.Next(0, 40);
            for (int i = 0; i < length; i++)
            {
                time += (ulong)random.Next(0, 3); // repeats make ties within and across runs
                sorter.Enqueue(new byte[] { (byte)tag }, time, tag, tag);
                arrived.Add((time, tag++));
            }
        }
        sorter.FlushAll();
        var order = new List<(ulong, int)>();
        while (sorter.TryDequeue(out var bytes, out ulong t, out _, out int got))
        {
            Assert.That(bytes[0], Is.EqualTo((byte)got), "the record travels with its entry");
            order.Add((t, got));
        }
        Assert.That(order, Is.EqualTo(arrived.OrderBy(a => a.Time).ToList()));
    }

    [Test]
    public void Record_bytes_survive_the_arena_being_compacted()
    {
        var sorter = new RoundSorter();
        var payload = new byte[40_000];
        for (int round = 0; round < 200; round++)
        {
            payload.AsSpan().Fill((byte)round);
            sorter.Enqueue(payload, (ulong)round, round, round);
            sorter.FinishRound();
            while (sorter.TryDequeue(out var bytes, out ulong time, out _, out _))
            {
                Assert.That(bytes.Length, Is.EqualTo(payload.Length));
                Assert.That(bytes[0] == (byte)time && bytes[^1] == (byte)time, Is.True, $"record {time} was overwritten");
            }
        }
    }

    /// <summary>
    /// The reader's way: records queued where they were read, in a rented chunk. The chunk is not reused while a
    /// queued record is unread, even after the reader moved on to another; then it is.
    /// </summary>
    [Test]
    public void Records_queued_in_place_keep_their_chunk_until_read_then_it_is_reused()
    {
        var sorter = new RoundSorter();
        int first = sorter.RentChunk(RoundSorter.ChunkSize);
        var bytes = sorter.Chunk(first);
        for (int i = 0; i < 3; i++)
        {
            bytes.AsSpan(i * 100, 100).Fill((byte)(10 + i));
            sorter.EnqueueInPlace(first, i * 100, 100, (ulong)(3 - i), i, i);
        }
        Assert.That(sorter.HasLiveRecords(first), Is.True);
        int second = sorter.RentChunk(RoundSorter.ChunkSize);
        sorter.ReturnChunk(first);
        Assert.That(second, Is.Not.EqualTo(first), "a chunk with unread records is not handed out again");
        int third = sorter.RentChunk(RoundSorter.ChunkSize);
        Assert.That(third, Is.Not.EqualTo(first));

        sorter.FlushAll();
        var read = new List<(ulong Time, byte Fill)>();
        while (sorter.TryDequeue(out var record, out ulong time, out _, out _)) read.Add((time, record[99]));
        Assert.That(read, Is.EqualTo(new[] { (1UL, (byte)12), (2UL, (byte)11), (3UL, (byte)10) }));
        Assert.That(sorter.HasLiveRecords(first), Is.False);
        Assert.That(sorter.RentChunk(RoundSorter.ChunkSize), Is.EqualTo(first), "read and returned: reused");
    }

    /// <summary>Leased records (handed to another thread) keep their bytes until their lease ends, whatever is read after.</summary>
    [Test]
    public void Leased_records_keep_their_bytes_until_the_lease_ends()
    {
        var sorter = new RoundSorter();
        var payload = new byte[300_000];
        var leased = new List<(int Chunk, int Offset, byte Fill)>();
        for (int i = 0; i < 20; i++)
        {
            payload.AsSpan().Fill((byte)i);
            sorter.Enqueue(payload, (ulong)i, i, i);
            sorter.FinishRound();
            while (sorter.TryDequeueLeased(out int chunk, out int offset, out int length, out ulong time, out _, out _))
            {
                Assert.That(length, Is.EqualTo(payload.Length));
                leased.Add((chunk, offset, (byte)time));
            }
        }
        sorter.FlushAll();
        while (sorter.TryDequeueLeased(out int chunk, out int offset, out _, out ulong time, out _, out _)) leased.Add((chunk, offset, (byte)time));
        Assert.That(leased, Has.Count.EqualTo(20));
        foreach (var (chunk, offset, fill) in leased)
        {
            var bytes = sorter.Chunk(chunk).AsSpan(offset, payload.Length);
            Assert.That(bytes[0] == fill && bytes[^1] == fill, Is.True, $"record {fill} was overwritten while leased");
        }
        foreach (var (chunk, _, _) in leased) sorter.EndLease(chunk);
        Assert.That(leased.Select(l => l.Chunk).Distinct().All(c => !sorter.HasLiveRecords(c)), Is.True);
    }

    private static void Enqueue(RoundSorter sorter, params ulong[] times)
    {
        foreach (ulong t in times) sorter.Enqueue(BitConverter.GetBytes(t), t, (long)t, 0);
    }

    private static List<ulong> Drain(RoundSorter sorter)
    {
        var times = new List<ulong>();
        while (sorter.TryDequeue(out _, out ulong time, out _, out _)) times.Add(time);
        return times;
    }
}
