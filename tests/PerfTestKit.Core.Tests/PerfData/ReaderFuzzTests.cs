using System.Buffers.Binary;
using System.Diagnostics;
using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Symbols;
using PerfTestKit.Tests.Support;

namespace PerfTestKit.Tests.PerfData;

/// <summary>
/// Seeded random damage to real recordings (file and pipe mode): every case must end in a profile or a
/// <see cref="PerfFormatException"/>, nothing else, within a watchdog; inputs that break that are saved.
/// The same 20,000 cases every run, whatever the machine's speed: the inputs are 100 ms recordings (about 100
/// samples) so that all of them fit CI's time on a busy machine, and only a crash, a case that hangs or an
/// exception of another kind fails the test.
/// </summary>
public class ReaderFuzzTests
{
    private const int Cases = 20_000;
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(10);

    [Test]
    public void Damaged_recordings_give_a_profile_or_a_format_error_and_nothing_else()
    {
        var originals = new[] { File.ReadAllBytes(Recordings.ShortNativeFile), File.ReadAllBytes(Recordings.ShortNativePipe) };
        var symbolizer = new Symbolizer(new SymbolizerOptions { PerfMapDirectories = Array.Empty<string>() });
        var random = new Random(20261125);
        var clock = Stopwatch.StartNew();
        int done = 0, profiles = 0, errors = 0;
        var failures = new List<string>();
        for (; done < Cases && failures.Count < 5; done++)
        {
            var original = originals[done % originals.Length];
            var (input, mutation) = Mutate(original, random);
            var run = Task.Run(() => ProfileLoader.Load(PerfDataReader.Open(new MemoryStream(input, writable: false)), "fuzz", symbolizer));
            try
            {
                if (!run.Wait(Watchdog))
                {
                    failures.Add(Save(input, done, $"no answer within {Watchdog.TotalSeconds} s after {mutation}"));
                    break; // the stuck case still holds a thread
                }
                profiles++;
            }
            catch (AggregateException e) when (e.InnerException is PerfFormatException)
            {
                errors++;
            }
            catch (AggregateException e)
            {
                failures.Add(Save(input, done, $"{e.InnerException?.GetType().Name}: {e.InnerException?.Message} after {mutation}\n{e.InnerException?.StackTrace}"));
            }
        }
        TestContext.Out.WriteLine($"{done} cases in {clock.Elapsed.TotalSeconds:F1} s: {profiles} profiles, {errors} format errors, {failures.Count} failures");
        Assert.That(failures, Is.Empty);
        Assert.That(profiles, Is.GreaterThan(Cases / 2), "most damage leaves a readable recording (the cases reach the reader's depths)");
    }

    /// <summary>One seeded mutation: bit flips, a cut, an extreme value in a field, or a record size gone wrong.</summary>
    private static (byte[] Input, string Mutation) Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0:
                int flips = 1 + random.Next(8);
                for (int i = 0; i < flips; i++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return (bytes, $"{flips} bit flips");
            case 1:
                int cut = random.Next(bytes.Length);
                return (bytes[..cut], $"cut at {cut}");
            case 2:
                int at = random.Next(bytes.Length / 8) * 8;
                ulong value = random.Next(4) switch { 0 => 0, 1 => ulong.MaxValue, 2 => 1UL << 63, _ => (ulong)random.NextInt64() };
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(at, Math.Min(8, bytes.Length - at)), value);
                return (bytes, $"u64 at {at} = {value:x}");
            case 3:
                int header = random.Next(Math.Min(bytes.Length, 200) / 8) * 8;
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(header), random.Next(2) == 0 ? 0 : ulong.MaxValue - (ulong)random.Next(100));
                return (bytes, $"header field at {header}");
            default:
                int record = RecordOffsets(bytes).ElementAtOrDefault(random.Next(200));
                if (record == 0) return (bytes, "unchanged");
                ushort size = (ushort)(random.Next(3) switch { 0 => 0, 1 => random.Next(8), _ => ushort.MaxValue });
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(record + 6), size);
                return (bytes, $"record at {record} size {size}");
        }
    }

    /// <summary>Where the first records of the data start (file mode: at the data offset; pipe mode: after 16 bytes).</summary>
    private static IEnumerable<int> RecordOffsets(byte[] bytes)
    {
        long at = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)) == 16 ? 16 : (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(40));
        for (int n = 0; n < 200 && at + 8 <= bytes.Length; n++)
        {
            yield return (int)at;
            int size = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)at + 6));
            if (size < 8) yield break;
            at += size;
        }
    }

    /// <summary>Keeps a failing input where the test results are, to become a regression fixture.</summary>
    private static string Save(byte[] input, int index, string what)
    {
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, "fuzz-failures", $"case-{index}.data");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, input);
        return $"case {index} ({path}): {what}";
    }
}
