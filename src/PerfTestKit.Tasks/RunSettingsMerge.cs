using System.Reflection;
using System.Xml.Linq;

namespace PerfTestKit.Tasks;

/// <summary>
/// What profiling adds to a project's runsettings: the in-process collector that takes each test's start and end
/// inside the test host, and the PerfProfile collector's note that it is there and where results go. Apart from
/// the task, so that it is tested without MSBuild.
/// </summary>
public static class RunSettingsMerge
{
    public const string InProcessTypeName = "PerfTestKit.Collector.InProcess.TestEventWriter";
    private const string CollectorName = "PerfProfile";
    private const string InProcessName = "PerfProfileTestEvents";

    /// <summary>Adds (or replaces) our two entries in <paramref name="document"/>; everything else stays as it was.</summary>
    public static void Merge(XDocument document, string inProcessAssembly, string resultsDirectory)
    {
        var root = document.Root ?? throw new System.Xml.XmlException("the runsettings have no root element");
        string assemblyName = AssemblyName.GetAssemblyName(inProcessAssembly).FullName;

        var inProcess = Child(Child(root, "InProcDataCollectionRunSettings"), "InProcDataCollectors");
        inProcess.Elements("InProcDataCollector").Where(e => (string?)e.Attribute("friendlyName") == InProcessName).Remove();
        inProcess.Add(new XElement("InProcDataCollector",
            new XAttribute("friendlyName", InProcessName),
            new XAttribute("uri", "InProcDataCollector://PerfTestKit/TestEvents/1.0"),
            // VSTest picks the type by this exact name, version included.
            new XAttribute("assemblyQualifiedName", $"{InProcessTypeName}, {assemblyName}"),
            new XAttribute("codebase", inProcessAssembly)));

        var collectors = Child(Child(root, "DataCollectionRunSettings"), "DataCollectors");
        var collector = collectors.Elements("DataCollector").FirstOrDefault(e => string.Equals((string?)e.Attribute("friendlyName"), CollectorName, StringComparison.OrdinalIgnoreCase));
        if (collector is null)
        {
            collector = new XElement("DataCollector", new XAttribute("friendlyName", CollectorName));
            collectors.Add(collector);
        }
        var configuration = Child(collector, "Configuration");
        configuration.Elements().Where(e => e.Name.LocalName is "HostEvents" or "ResultsDirectory").Remove();
        configuration.Add(new XElement("HostEvents", "true"), new XElement("ResultsDirectory", resultsDirectory));
    }

    private static XElement Child(XElement parent, string name)
    {
        var child = parent.Element(name);
        if (child is null)
        {
            child = new XElement(name);
            parent.Add(child);
        }
        return child;
    }
}
