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

    /// <summary>
    /// Written by the package's build targets into the runsettings they generate, never by users: that the test host
    /// has the in-process collector (<c>HostEvents</c>) and where VSTest puts results (<c>ResultsDirectory</c>).
    /// </summary>
    public const string HostEventsElement = "HostEvents";
    public const string ResultsDirectoryElement = "ResultsDirectory";

    public static ProfilerSettings Parse(XmlElement? configuration, IEnumerable<string> testSources, out List<string> errors)
    {
        var values = new List<KeyValuePair<string, string>>();
        var file = testSources.Select(source => ProfilerSettingsFile.Read(Path.GetDirectoryName(source) ?? ""))
            .FirstOrDefault(f => !ReferenceEquals(f, ProfilerSettingsFile.Empty));
        if (file is not null) values.AddRange(file.Values);
        foreach (var node in Elements(configuration))
        {
            if (HostElements.Contains(node.LocalName) || IsOwnElement(node.LocalName)) continue;
            values.Add(new(node.LocalName, node.InnerText));
        }
        return ProfilerSettings.Parse(values, out errors);
    }

    /// <summary>
    /// Where each test's start and end come from, decided before the run (VSTest asks which events a collector
    /// wants when it loads it): from the in-process collector, when the build targets declared it and per-test TRX
    /// attachments are off, returning the results folder the run's files go to; null when this collector must
    /// take them from VSTest's per-test events.
    /// </summary>
    public static string? HostEventsResultsDirectory(XmlElement? configuration)
    {
        bool hostEvents = false, attach = false;
        string? results = null;
        foreach (var node in Elements(configuration))
        {
            string text = node.InnerText.Trim();
            if (node.LocalName.Equals(HostEventsElement, StringComparison.OrdinalIgnoreCase)) hostEvents = text.Equals("true", StringComparison.OrdinalIgnoreCase);
            else if (node.LocalName.Equals(ResultsDirectoryElement, StringComparison.OrdinalIgnoreCase)) results = text;
            else if (node.LocalName.Equals(nameof(ProfilerSettings.AttachToResults), StringComparison.OrdinalIgnoreCase)) attach = text.Equals("true", StringComparison.OrdinalIgnoreCase);
        }
        return hostEvents && !attach && !string.IsNullOrEmpty(results) ? results : null;
    }

    private static bool IsOwnElement(string name) =>
        name.Equals(HostEventsElement, StringComparison.OrdinalIgnoreCase) || name.Equals(ResultsDirectoryElement, StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<XmlElement> Elements(XmlElement? configuration) =>
        configuration?.ChildNodes.OfType<XmlElement>() ?? Enumerable.Empty<XmlElement>();
}
