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
// A test's end in a profiled run writes two files for a few hundred samples out of the run so far: time and
// allocations of each writer on such a window (one thread's samples among the 600 from the middle on).
{
    var profile = ProfileLoader.Load(path);
    int middle = profile.SampleCount / 2;
    var thread = profile.SampleThread(middle);
    var window = profile.Select(new SampleFilter
    {
        FromNs = profile.SampleTime(middle), ToNs = profile.SampleTime(Math.Min(profile.SampleCount - 1, middle + 600)),
        Tids = new HashSet<int> { thread.Tid },
    });
    MeasureWindow("test window: flame graph", () => FlameGraphHtmlWriter.Write(window, Stream.Null, new FlameGraphOptions { Title = "test" }), window.SampleCount);
    MeasureWindow("test window: gecko", () => GeckoProfileWriter.Write(window, Stream.Null, new GeckoProfileOptions()), window.SampleCount);
}
return 0;

void MeasureWindow(string stage, Action write, int samples)
{
    write();
    var times = new List<double>();
    long allocated = 0;
    for (int i = 0; i < 20; i++)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        write();
        times.Add(clock.Elapsed.TotalMilliseconds);
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
    }
    times.Sort();
    Console.WriteLine($"{stage,-24} min {times[0],8:F2} ms  median {times[times.Count / 2],8:F2} ms  {allocated / 1024,8:N0} KB allocated  ({samples:N0} samples)");
}

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
