using System.CommandLine;
using System.Globalization;
using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Writers;

namespace PerfTestKit.Cli;

/// <summary>`perftestkit report perf.data -o DIR`: converts a recording to a flame graph, Gecko profile and folded stacks.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("perf.data") { Description = "The recording to convert (file mode, or pipe mode from perf record -o -; '-' reads stdin)." };
        var output = new Option<string>("--output", "-o") { Description = "Directory to write the report into.", Required = true };
        var format = new Option<string>("--format") { Description = "Comma-separated: html, gecko, folded.", DefaultValueFactory = _ => "html,gecko,folded" };
        var eventName = new Option<string?>("--event") { Description = "Only samples of this event (e.g. cpu-clock)." };
        var pid = new Option<int?>("--pid") { Description = "Only samples of this process." };
        var from = new Option<double?>("--from") { Description = "Window start, seconds after the first sample." };
        var to = new Option<double?>("--to") { Description = "Window end, seconds after the first sample." };
        var perfMaps = new Option<string[]>("--perf-map-dir") { Description = "Where perf-PID.map and jit-PID.dump are (default /tmp).", AllowMultipleArgumentsPerToken = true };
        var command = new Command("report", "Convert perf.data to flamegraph.html, profile.gecko.json and stacks.folded.")
        {
            input, output, format, eventName, pid, from, to, perfMaps,
        };
        command.SetAction(parse => (int)Run(new ReportRequest(
            parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(format)!, parse.GetValue(eventName),
            parse.GetValue(pid), parse.GetValue(from), parse.GetValue(to), parse.GetValue(perfMaps)), Console.Out, Console.Error));
        return command;
    }

    private static double ProcessAge()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return (DateTime.Now - self.StartTime).TotalMilliseconds;
    }

    internal sealed record ReportRequest(string Input, string Output, string Format, string? Event, int? Pid,
        double? FromSeconds, double? ToSeconds, string[]? PerfMapDirectories);

    internal static ExitCode Run(ReportRequest request, TextWriter stdout, TextWriter stderr)
    {
        var formats = OutputFormatNames.Parse(request.Format, out var formatErrors);
        if (formatErrors.Count > 0)
        {
            foreach (var e in formatErrors) stderr.WriteLine($"error: --format: {e}");
            return ExitCode.UsageError;
        }
        if (request.FromSeconds is { } fromSeconds && request.ToSeconds is { } toSeconds && fromSeconds >= toSeconds)
        {
            stderr.WriteLine($"error: --from {fromSeconds.ToString(CultureInfo.InvariantCulture)} is not before --to {toSeconds.ToString(CultureInfo.InvariantCulture)}: the window holds nothing");
            return ExitCode.UsageError;
        }
        if (request.Input != "-" && Directory.Exists(request.Input))
        {
            stderr.WriteLine($"error: {request.Input} is a directory, not a perf.data file (give the recording inside it, e.g. {Path.Combine(request.Input, "perf.data")})");
            return ExitCode.BadInput;
        }
        if (request.Input != "-" && !File.Exists(request.Input))
        {
            stderr.WriteLine($"error: {request.Input}: no such file");
            return ExitCode.InputNotFound;
        }
        Profile profile;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var symbols = new Symbols.SymbolizerOptions
            {
                PerfMapDirectories = request.PerfMapDirectories is { Length: > 0 } dirs ? dirs : new[] { "/tmp" },
            };
            profile = request.Input == "-"
                ? ProfileLoader.Load(Console.OpenStandardInput(), "stdin", symbols)
                : ProfileLoader.Load(request.Input, symbols);
        }
        catch (PerfFormatException e)
        {
            stderr.WriteLine($"error: {request.Input}: {e.Message}");
            return ExitCode.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {request.Input}: {e.Message}");
            return ExitCode.InputNotFound;
        }

        var filter = new SampleFilter { Pid = request.Pid };
        if (request.Event is { } name)
        {
            if (profile.EventIndex(name) is not { } index)
            {
                stderr.WriteLine($"error: --event: the recording has no event '{name}' (it has: {string.Join(", ", profile.Events.Select(e => e.Name))})");
                return ExitCode.UsageError;
            }
            filter = filter with { EventIndex = index };
        }
        if (request.FromSeconds is not null || request.ToSeconds is not null)
        {
            ulong first = profile.SampleCount > 0 ? profile.SampleTime(0) : 0;
            filter = filter with
            {
                FromNs = request.FromSeconds is { } f ? first + (ulong)Math.Max(0, f * 1e9) : null,
                ToNs = request.ToSeconds is { } t ? first + (ulong)Math.Max(0, t * 1e9) : null,
            };
        }
        Profiling.ProfilerTrace.Write(() => $"report: loaded {profile.SampleCount} samples in {clock.Elapsed.TotalMilliseconds:F0} ms (process up {ProcessAge():F0} ms)");
        clock.Restart();
        var view = profile.Select(filter);
        if (view.SampleCount == 0 && profile.SampleCount > 0)
        {
            var pids = profile.Threads.Select(t => t.Pid).Distinct().Order().Take(10);
            stderr.WriteLine($"error: no sample matches the selection ({Selection(request)}); the recording has {profile.SampleCount} samples " +
                $"of processes {string.Join(", ", pids)}, events {string.Join(", ", profile.Events.Select(e => e.Name))}");
            return ExitCode.EmptySelection;
        }
        string title = Path.GetFileName(request.Input == "-" ? "stdin" : request.Input);
        try
        {
            var written = ReportWriter.Write(view, request.Output, formats, title);
            Profiling.ProfilerTrace.Write(() => $"report: wrote {formats} in {clock.Elapsed.TotalMilliseconds:F0} ms; GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, allocated {GC.GetTotalAllocatedBytes() >> 20} MB, peak working set {Environment.WorkingSet >> 20} MB");
            SummaryWriter.Write(view, stdout);
            stdout.WriteLine();
            foreach (var path in written) stdout.WriteLine($"wrote {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot write the report to {request.Output}: {e.Message}");
            return ExitCode.OutputNotWritable;
        }
        return ExitCode.Success;
    }

    /// <summary>The options that narrowed the samples, as typed.</summary>
    private static string Selection(ReportRequest request) => string.Join(" ", new[]
    {
        request.Pid is { } pid ? $"--pid {pid}" : null,
        request.Event is { } name ? $"--event {name}" : null,
        request.FromSeconds is { } from ? $"--from {from.ToString(CultureInfo.InvariantCulture)}" : null,
        request.ToSeconds is { } to ? $"--to {to.ToString(CultureInfo.InvariantCulture)}" : null,
    }.OfType<string>());

}
