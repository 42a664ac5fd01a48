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

    public static IReadOnlyList<string> Write(ProfileView view, string directory, OutputFormats formats, string title,
        GeckoProfileOptions? gecko = null)
    {
        Directory.CreateDirectory(directory);
        var jobs = new List<(string Path, Action<string> Write)>();
        if (formats.HasFlag(OutputFormats.Html))
        {
            var options = new FlameGraphOptions
            {
                Title = title,
                GeckoFileName = formats.HasFlag(OutputFormats.Gecko) ? OutputFormatNames.GeckoFile : null,
            };
            jobs.Add((Path.Combine(directory, OutputFormatNames.FlameGraphFile), path =>
            {
                using var stream = File.Create(path);
                FlameGraphHtmlWriter.Write(view, stream, options);
            }));
        }
        if (formats.HasFlag(OutputFormats.Gecko))
        {
            jobs.Add((Path.Combine(directory, OutputFormatNames.GeckoFile), path =>
            {
                using var stream = File.Create(path);
                GeckoProfileWriter.Write(view, stream, gecko);
            }));
        }
        if (formats.HasFlag(OutputFormats.Folded))
        {
            jobs.Add((Path.Combine(directory, OutputFormatNames.FoldedFile), path =>
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
        var written = jobs.Select(job => job.Path).ToList();
        return written;
    }
}
