using System.Text;
using PerfTestKit.Model;

namespace PerfTestKit.Writers;

/// <summary>Writes the chosen formats of one view into a directory, under the standard file names.</summary>
public static class ReportWriter
{
    public static IReadOnlyList<string> Write(ProfileView view, string directory, OutputFormats formats, string title,
        GeckoProfileOptions? gecko = null)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        if (formats.HasFlag(OutputFormats.Html))
        {
            string path = Path.Combine(directory, OutputFormatNames.FlameGraphFile);
            using var stream = File.Create(path);
            FlameGraphHtmlWriter.Write(view, stream, new FlameGraphOptions
            {
                Title = title,
                GeckoFileName = formats.HasFlag(OutputFormats.Gecko) ? OutputFormatNames.GeckoFile : null,
            });
            written.Add(path);
        }
        if (formats.HasFlag(OutputFormats.Gecko))
        {
            string path = Path.Combine(directory, OutputFormatNames.GeckoFile);
            using var stream = File.Create(path);
            GeckoProfileWriter.Write(view, stream, gecko);
            written.Add(path);
        }
        if (formats.HasFlag(OutputFormats.Folded))
        {
            string path = Path.Combine(directory, OutputFormatNames.FoldedFile);
            using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
            FoldedStacksWriter.Write(view, writer);
            written.Add(path);
        }
        return written;
    }
}
