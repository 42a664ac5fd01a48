// In-process throughput of the converter's stages on one perf.data file: the reader alone, reader + sample
// decoding, and reader + symbolizer + stack model + folded writer. Prints MB/s of perf.data on one core.
using System.Diagnostics;
using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Writers;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: PerfTestKit.Bench <perf.data> [iterations]");
    return 1;
}
string path = args[0];
int iterations = args.Length > 1 ? int.Parse(args[1]) : 5;
// A symbolic link's own length is not the file's: measure what it points to.
var file = new FileInfo(path);
if (file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) file = target;
double megabytes = file.Length / 1e6;

Measure("read records", () =>
{
    using var reader = PerfDataReader.Open(path);
    long n = 0;
    while (reader.TryRead(out _)) n++;
    return n;
});
Measure("read + decode samples", () =>
{
    using var reader = PerfDataReader.Open(path);
    long frames = 0;
    while (reader.TryRead(out var record))
    {
        if (record.Type == RecordType.Sample) frames += SampleRecord.Parse(record).Callchain.Length;
    }
    return frames;
});
var symbolizer = new PerfTestKit.Symbols.Symbolizer();
Measure("load (symbols loaded)", () =>
{
    using var reader = PerfDataReader.Open(path);
    return ProfileLoader.Load(reader, path, symbolizer).SampleCount;
});
Measure("load profile + folded", () =>
{
    var profile = ProfileLoader.Load(path);
    FoldedStacksWriter.Write(profile.All(), TextWriter.Null);
    return profile.SampleCount;
});
return 0;

void Measure(string stage, Func<long> run)
{
    run(); // warm up: JIT and file cache
    var times = new List<double>();
    long result = 0;
    for (int i = 0; i < iterations; i++)
    {
        var clock = Stopwatch.StartNew();
        result = run();
        times.Add(clock.Elapsed.TotalSeconds);
    }
    times.Sort();
    double median = times[times.Count / 2];
    Console.WriteLine($"{stage,-24} min {times[0] * 1000,8:F1} ms  median {median * 1000,8:F1} ms  {megabytes / times[0],8:F0} MB/s  ({result:N0})");
}
