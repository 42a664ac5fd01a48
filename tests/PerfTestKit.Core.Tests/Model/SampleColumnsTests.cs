using PerfTestKit.Model;

namespace PerfTestKit.Tests.Model;

/// <summary>The compact sample columns give back exactly what was added, whatever the times and thread count.</summary>
public class SampleColumnsTests
{
    [Test]
    public void Times_stacks_threads_and_events_come_back_exactly_across_blocks_gaps_and_disorder()
    {
        var columns = new SampleColumns();
        var expected = new List<(ulong Time, int Stack, int Thread, byte Event)>();
        var random = new Random(7);
        ulong time = 1_000_000_000;
        for (int i = 0; i < 20_000; i++)
        {
            // Mostly 50 µs apart; now and then a gap over 4.3 s (more than 32 bits of nanoseconds) or a step back.
            time = (i % 5000) switch
            {
                1234 => time + 6_000_000_000UL,
                2345 => time - 1_000,
                _ => time + (ulong)random.Next(1, 100_000),
            };
            var row = (time, random.Next(-1, 5000), random.Next(0, 40), (byte)(i % 97 == 0 ? 1 : 0));
            expected.Add(row);
            columns.Add(row.time, row.Item2, row.Item3, row.Item4);
        }
        Assert.That(columns.Count, Is.EqualTo(expected.Count));
        for (int i = 0; i < expected.Count; i++)
        {
            var actual = (columns.Time(i), columns.Stack(i), columns.Thread(i), columns.Event(i));
            Assert.That(actual, Is.EqualTo(expected[i]), $"sample {i}");
        }
    }

    [Test]
    public void More_thread_and_event_pairs_than_sixteen_bits_hold_are_kept_apart()
    {
        var columns = new SampleColumns();
        columns.Reserve(100);
        const int Threads = 70_000;
        for (int t = 0; t < Threads; t++) columns.Add((ulong)t, t, t, (byte)(t % 3));
        for (int t = 0; t < Threads; t++) columns.Add((ulong)(Threads + t), -1, Threads - 1 - t, 0);
        for (int t = 0; t < Threads; t++)
        {
            Assert.That((columns.Thread(t), columns.Event(t), columns.Stack(t)), Is.EqualTo((t, (byte)(t % 3), t)));
            Assert.That(columns.Thread(Threads + t), Is.EqualTo(Threads - 1 - t));
            Assert.That(columns.Event(Threads + t), Is.Zero);
        }
    }

    [Test]
    public void A_large_reservation_faulted_in_ahead_keeps_every_value_written_meanwhile()
    {
        // The pool thread adds zero to words the building thread is writing: no write may be lost.
        var columns = new SampleColumns();
        columns.Reserve(2_000_000);
        for (int i = 0; i < 1_500_000; i++) columns.Add((ulong)i * 3, i, i & 7, 0);
        columns.EndPrefault();
        for (int i = 0; i < 1_500_000; i++)
        {
            if (columns.Time(i) != (ulong)i * 3 || columns.Stack(i) != i || columns.Thread(i) != (i & 7))
            {
                Assert.Fail($"sample {i} reads back ({columns.Time(i)}, {columns.Stack(i)}, {columns.Thread(i)})");
            }
        }
    }
}
