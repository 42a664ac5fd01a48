using System.Xml;
using PerfTestKit.Profiling;

namespace PerfTestKit.Collector;

/// <summary>
/// The collector's settings: from perftestkit.settings next to the test assembly (written by the MSBuild
/// targets from PerfProfile* properties), then from the runsettings &lt;Configuration&gt; element, which wins.
/// </summary>
internal static class CollectorSettings
{
    public const string SettingsFileName = "perftestkit.settings";

    /// <summary>VSTest adds these itself; they are not ours to validate.</summary>
    private static readonly HashSet<string> HostElements = new(StringComparer.OrdinalIgnoreCase) { "Framework", "TargetPlatform" };

    public static ProfilerSettings Parse(XmlElement? configuration, IEnumerable<string> testSources, out List<string> errors)
    {
        var values = new List<KeyValuePair<string, string>>();
        foreach (var source in testSources)
        {
            string file = Path.Combine(Path.GetDirectoryName(source) ?? "", SettingsFileName);
            if (!File.Exists(file)) continue;
            foreach (var line in File.ReadAllLines(file))
            {
                int equals = line.IndexOf('=');
                if (equals > 0) values.Add(new(line[..equals], line[(equals + 1)..]));
            }
            break;
        }
        foreach (var node in configuration?.ChildNodes.OfType<XmlElement>() ?? Enumerable.Empty<XmlElement>())
        {
            if (HostElements.Contains(node.LocalName)) continue;
            values.Add(new(node.LocalName, node.InnerText));
        }
        return ProfilerSettings.Parse(values, out errors);
    }
}
