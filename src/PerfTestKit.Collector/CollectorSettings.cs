using System.Xml;
using PerfTestKit.Profiling;

namespace PerfTestKit.Collector;

/// <summary>
/// The collector's settings: from perftestkit.settings next to the test assembly (written by the MSBuild
/// targets from PerfProfile* properties), then from the runsettings &lt;Configuration&gt; element, which wins.
/// </summary>
internal static class CollectorSettings
{
    /// <summary>VSTest adds these itself; they are not ours to validate.</summary>
    private static readonly HashSet<string> HostElements = new(StringComparer.OrdinalIgnoreCase) { "Framework", "TargetPlatform" };

    public static ProfilerSettings Parse(XmlElement? configuration, IEnumerable<string> testSources, out List<string> errors)
    {
        var values = new List<KeyValuePair<string, string>>();
        var file = testSources.Select(source => ProfilerSettingsFile.Read(Path.GetDirectoryName(source) ?? ""))
            .FirstOrDefault(f => !ReferenceEquals(f, ProfilerSettingsFile.Empty));
        if (file is not null) values.AddRange(file.Values);
        foreach (var node in configuration?.ChildNodes.OfType<XmlElement>() ?? Enumerable.Empty<XmlElement>())
        {
            if (HostElements.Contains(node.LocalName)) continue;
            values.Add(new(node.LocalName, node.InnerText));
        }
        return ProfilerSettings.Parse(values, out errors);
    }
}
