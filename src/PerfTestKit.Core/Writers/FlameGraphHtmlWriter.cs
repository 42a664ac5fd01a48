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
        var frames = new Dictionary<int, int>();
        var strings = new Dictionary<string, int>(StringComparer.Ordinal);
        var stringList = new List<string>();
        var frameList = new List<int>();

        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("title", options.Title);
        json.WriteStartObject("header");
        json.WriteString("command", string.Join(' ', profile.Session.CommandLine));
        json.WriteString("host", profile.Session.Hostname ?? "");
        json.WriteString("event", profile.Events.Count > 0 ? string.Join(", ", profile.Events.Select(e => e.Name)) : "");
        json.WriteNumber("samples", view.SampleCount);
        json.WriteNumber("lost", profile.LostEvents + profile.LostSamples);
        json.WriteNumber("threads", view.ThreadCount);
        json.WriteNumber("duration", Math.Round(view.DurationSeconds, 6));
        json.WriteEndObject();
        if (options.GeckoFileName is { } gecko) json.WriteString("geckoFile", gecko); else json.WriteNull("geckoFile");

        json.WriteStartArray("nodes");
        foreach (var node in tree.Nodes)
        {
            json.WriteNumberValue(LocalFrame(node.Frame));
            json.WriteNumberValue(node.Depth);
            json.WriteNumberValue(node.Total);
            json.WriteNumberValue(node.Self);
        }
        json.WriteEndArray();
        json.WriteStartArray("frames");
        foreach (int value in frameList) json.WriteNumberValue(value);
        json.WriteEndArray();
        json.WriteStartArray("strings");
        foreach (string s in stringList) json.WriteStringValue(s);
        json.WriteEndArray();
        json.WriteEndObject();

        int LocalFrame(int frame)
        {
            if (frames.TryGetValue(frame, out int local)) return local;
            var info = profile.Frames[frame];
            local = frameList.Count / 3;
            frameList.Add(String(FoldedStacksWriter.FrameText(info)));
            frameList.Add(String(info.Module));
            frameList.Add((int)info.Kind);
            frames[frame] = local;
            return local;
        }

        int String(string text)
        {
            if (!strings.TryGetValue(text, out int index))
            {
                index = stringList.Count;
                stringList.Add(text);
                strings[text] = index;
            }
            return index;
        }
    }
}
