using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace PerfTestKit.PerfData;

/// <summary>Handles one record; the record's body is valid only during the call.</summary>
public delegate void RecordHandler(in PerfRecord record);

/// <summary>
/// Reads a file's records on a second thread, in batches, while the caller's thread handles them: reading and
/// sorting the records and building the profile from them then overlap (each was about half of a large file's
/// load). Records arrive in the same order as from <see cref="PerfDataReader.TryRead"/>. A batch lists where its
/// records lie in the reader's buffers (leased until the batch comes back), rather than copying them. Memory stays
/// bounded: a few batches of a quarter megabyte of records circulate between the threads.
/// </summary>
public static class ReadAhead
{
    // Small enough that a small file does not fault in megabytes of fresh buffers, large enough that handing a
    // batch over is rare (a 267 MB file: about a thousand hand-overs).
    private const int BatchBytes = 256 << 10;
    private const int BatchesInFlight = 4;

    /// <param name="peek">
    /// Called on the reading thread for each record as it is read, well before <paramref name="handler"/> sees it:
    /// for starting work that the handler will need (e.g. loading the symbols of a file the record maps).
    /// </param>
    public static void ForEach(PerfDataReader reader, RecordHandler handler, RecordHandler? peek = null)
    {
        using var full = new BlockingCollection<Batch>(BatchesInFlight);
        using var free = new BlockingCollection<Batch>();
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? readerFailure = null;
        var producer = new Thread(() =>
        {
            try
            {
                var batch = new Batch();
                while (reader.TryReadLeased(out var record, out var lease))
                {
                    peek?.Invoke(record);
                    if (batch.TryAdd(record, lease)) continue;
                    full.Add(batch, stop.Token);
                    batch = free.TryTake(out var reused) ? reused : new Batch();
                    batch.EndLeases(reader);
                    batch.Add(record, lease);
                }
                full.Add(batch, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                readerFailure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                full.CompleteAdding();
            }
        })
        {
            IsBackground = true,
            Name = "perf.data read-ahead",
        };
        producer.Start();
        try
        {
            foreach (var batch in full.GetConsumingEnumerable())
            {
                batch.HandleAll(handler);
                free.Add(batch);
            }
        }
        finally
        {
            // The handler threw: let the reader stop at its next batch rather than fill the queue.
            stop.Cancel();
            producer.Join();
        }
        readerFailure?.Throw();
    }

    /// <summary>Records read ahead: where each one's body lies, and its header fields.</summary>
    private sealed class Batch
    {
        private Entry[] _entries = new Entry[2048];
        private int _count;
        private int _bytes;

        /// <summary>False when the batch is full (it then takes nothing).</summary>
        public bool TryAdd(in PerfRecord record, in RecordLease lease)
        {
            if (_count > 0 && _bytes + record.Body.Length > BatchBytes) return false;
            Add(record, lease);
            return true;
        }

        /// <summary>Adds even past the batch's size (a record larger than a whole batch).</summary>
        public void Add(in PerfRecord record, in RecordLease lease)
        {
            if (_count == _entries.Length) Array.Resize(ref _entries, _count * 2);
            _entries[_count++] = new Entry(record.Type, record.Misc, lease, record.Body.Length, record.Offset, record.Time,
                record.Attr, record.BigEndian);
            _bytes += record.Body.Length;
        }

        /// <summary>The batch was handled: its records' bytes may be reused. On the reading thread.</summary>
        public void EndLeases(PerfDataReader reader)
        {
            for (int i = 0; i < _count; i++) reader.EndLease(_entries[i].Lease);
            _count = 0;
            _bytes = 0;
        }

        public void HandleAll(RecordHandler handler)
        {
            for (int i = 0; i < _count; i++)
            {
                ref readonly var e = ref _entries[i];
                handler(new PerfRecord(e.Type, e.Misc, e.Lease.Buffer.AsSpan(e.Lease.BodyStart, e.BodyLength), e.Offset, e.Time, e.Attr, e.BigEndian));
            }
        }

        private readonly record struct Entry(RecordType Type, ushort Misc, RecordLease Lease, int BodyLength, long Offset,
            ulong Time, PerfEventAttr Attr, bool BigEndian);
    }
}
