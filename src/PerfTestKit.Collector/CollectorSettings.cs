using System.Xml;
using PerfTestKit.Profiling;

namespace PerfTestKit.Collector;

/// <summary>Reads the collector's runsettings &lt;Configuration&gt; element into <see cref="ProfilerSettings"/>.</summary>
internal static class CollectorSettings
{
    /// <summary>VSTest adds these itself; they are not ours to validate.</summary>
    private static readonly HashSet<string> HostElements = new(StringComparer.OrdinalIgnoreCase) { "Framework", "TargetPlatform" };

    public static ProfilerSettings Parse(XmlElement? configuration, out List<string> errors)
    {
        var values = new List<KeyValuePair<string, string>>();
        foreach (var node in configuration?.ChildNodes.OfType<XmlElement>() ?? Enumerable.Empty<XmlElement>())
        {
            if (HostElements.Contains(node.LocalName)) continue;
            values.Add(new(node.LocalName, node.InnerText));
        }
        return ProfilerSettings.Parse(values, out errors);
    }
}
