using System.Text;
using PerfTestKit.Model;

namespace PerfTestKit.Writers;

/// <summary>
/// Writes the chosen formats of one view into a directory, under the standard file names. The formats are written
/// in parallel: each only reads the profile, and on a large recording each takes a good part of a second.
/// </summary>
public static class ReportWriter
{
    private const int ParallelFromSamples = 20_000;

    /// <summary>
    /// Writes the chosen formats of <paramref name="view"/> into <paramref name="directory"/>, named by
    /// <paramref name="names"/> (the standard names when null); returns the paths written, flame graph first.
    /// </summary>
    public static IReadOnlyList<string> Write(ProfileView view, string directory, OutputFormats formats, string title,
        GeckoProfileOptions? gecko = null, ReportFileNames? names = null)
    {
        names ??= ReportFileNames.Standard;
        Directory.CreateDirectory(directory);
        var jobs = new List<(string Path, Action<string> Write)>();
        if (formats.HasFlag(OutputFormats.Html))
        {
            var options = new FlameGraphOptions
            {
                Title = title,
                GeckoFileName = formats.HasFlag(OutputFormats.Gecko) ? names.Gecko : null,
            };
            jobs.Add((Path.Combine(directory, names.FlameGraph), path =>
            {
                using var stream = File.Create(path);
                FlameGraphHtmlWriter.Write(view, stream, options);
            }));
        }
        if (formats.HasFlag(OutputFormats.Gecko))
        {
            jobs.Add((Path.Combine(directory, names.Gecko), path =>
            {
                using var stream = File.Create(path);
                GeckoProfileWriter.Write(view, stream, gecko);
            }));
        }
        if (formats.HasFlag(OutputFormats.Folded))
        {
            jobs.Add((Path.Combine(directory, names.Folded), path =>
            {
                using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
                FoldedStacksWriter.Write(view, writer);
            }));
        }
        // Small views are written inline: starting threads would cost more than it saves.
        if (jobs.Count > 1 && view.SampleCount >= ParallelFromSamples)
        {
            Parallel.ForEach(jobs, job => job.Write(job.Path));
        }
        else
        {
            foreach (var job in jobs) job.Write(job.Path);
        }
        return jobs.Select(job => job.Path).ToList();
    }
}

/// <summary>The file names of a report's formats: the standard ones, or a test's own (its name, then the format).</summary>
public sealed record ReportFileNames(string FlameGraph, string Gecko, string Folded)
{
    public static ReportFileNames Standard { get; } = new(OutputFormatNames.FlameGraphFile, OutputFormatNames.GeckoFile, OutputFormatNames.FoldedFile);

    public static ReportFileNames For(string name) => new($"{name}.flamegraph.html", $"{name}.gecko.json", $"{name}.folded");
}
