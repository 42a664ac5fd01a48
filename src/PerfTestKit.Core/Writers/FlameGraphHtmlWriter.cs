using System.Runtime.CompilerServices;
using System.Reflection;
using System.Text;
using System.Text.Json;
using PerfTestKit.Model;

namespace PerfTestKit.Writers;

/// <summary>What the flame graph page shows around the graph.</summary>
public sealed record FlameGraphOptions
{
    public string Title { get; init; } = "perf.data";

    /// <summary>File name of the Gecko profile written next to the page, for the "open in Firefox Profiler" hint.</summary>
    public string? GeckoFileName { get; init; }
}

/// <summary>
/// Writes one self-contained HTML page (inline script and style, no network) that draws a view's call tree as
/// a flame graph. The data goes in as JSON inside a script element; Utf8JsonWriter escapes &lt; &gt; &amp; so no
/// symbol name can close that element.
/// </summary>
public static class FlameGraphHtmlWriter
{
    private const string Placeholder = "/*__PERFTESTKIT_DATA__*/null";
    private static readonly Lazy<EmbeddedTemplate> Template = new(() => EmbeddedTemplate.Load("PerfTestKit.FlameGraph.html", Placeholder));

    public static void Write(ProfileView view, Stream output, FlameGraphOptions? options = null)
    {
        options ??= new FlameGraphOptions();
        Template.Value.Write(output, data => WriteData(view, data, options));
        output.Flush();
    }

    // Optimized at first use (see CallTree.Build).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteData(ProfileView view, Stream output, FlameGraphOptions options)
    {
        var profile = view.Profile;
        var tree = CallTree.Build(view);
        using var json = new Utf8JsonWriter(output);
        var data = new FlameGraphPageData(json, new FlameGraphHeader(options.Title,
            string.Join(' ', profile.Session.CommandLine), profile.Session.Hostname ?? "",
            profile.Events.Count > 0 ? string.Join(", ", profile.Events.Select(e => e.Name)) : "",
            view.SampleCount, profile.LostEvents + profile.LostSamples, view.ThreadCount, view.DurationSeconds, options.GeckoFileName));
        // The profile's frame indices to the page's, looked up once per frame, not per node.
        var frames = new Dictionary<int, int>();
        foreach (var node in tree.Nodes)
        {
            if (!frames.TryGetValue(node.Frame, out int local))
            {
                var info = profile.Frames[node.Frame];
                frames[node.Frame] = local = data.Frame(FoldedStacksWriter.FrameText(info), info.Module, info.Kind);
            }
            data.Node(local, node.Depth, node.Total, node.Self);
        }
        data.EndNodes();
        json.WriteEndObject();
    }
}
