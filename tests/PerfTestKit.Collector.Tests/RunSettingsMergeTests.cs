extern alias InProcess;
using System.Xml.Linq;
using InProcess::PerfTestKit.Collector.InProcess;
using PerfTestKit.Tasks;

namespace PerfTestKit.Collector.Tests;

/// <summary>The runsettings the package's build targets give a profiled run, from none or from the project's own.</summary>
public class RunSettingsMergeTests
{
    private static readonly string InProcessAssembly = typeof(TestEventWriter).Assembly.Location;

    [Test]
    public void The_in_process_collector_is_declared_by_the_exact_name_VSTest_looks_it_up_by()
    {
        var document = new XDocument(new XElement("RunSettings"));
        RunSettingsMerge.Merge(document, InProcessAssembly, "/results");

        var entry = document.Descendants("InProcDataCollector").Single();
        // VSTest loads the codebase and takes the type whose AssemblyQualifiedName equals this string, version and all.
        Assert.That((string?)entry.Attribute("assemblyQualifiedName"), Is.EqualTo(typeof(TestEventWriter).AssemblyQualifiedName));
        Assert.That((string?)entry.Attribute("codebase"), Is.EqualTo(InProcessAssembly));
        var configuration = PerfProfileConfiguration(document);
        Assert.That((string?)configuration.Element("HostEvents"), Is.EqualTo("true"));
        Assert.That((string?)configuration.Element("ResultsDirectory"), Is.EqualTo("/results"));
    }

    [Test]
    public void A_projects_own_runsettings_keep_everything_else_and_a_second_merge_adds_nothing()
    {
        var document = XDocument.Parse("""
            <RunSettings>
              <RunConfiguration><MaxCpuCount>1</MaxCpuCount></RunConfiguration>
              <InProcDataCollectionRunSettings><InProcDataCollectors>
                <InProcDataCollector friendlyName="Other" uri="InProcDataCollector://Other" assemblyQualifiedName="Other.Type, Other" codebase="/other.dll" />
              </InProcDataCollectors></InProcDataCollectionRunSettings>
              <DataCollectionRunSettings><DataCollectors>
                <DataCollector friendlyName="XPlat code coverage"><Configuration><Format>cobertura</Format></Configuration></DataCollector>
                <DataCollector friendlyName="perfprofile"><Configuration><Frequency>499</Frequency><HostEvents>false</HostEvents></Configuration></DataCollector>
              </DataCollectors></DataCollectionRunSettings>
            </RunSettings>
            """);
        RunSettingsMerge.Merge(document, InProcessAssembly, "/first");
        RunSettingsMerge.Merge(document, InProcessAssembly, "/results");

        Assert.That(document.Descendants("MaxCpuCount").Single().Value, Is.EqualTo("1"));
        Assert.That(document.Descendants("InProcDataCollector").Select(e => (string?)e.Attribute("friendlyName")), Is.EquivalentTo(new[] { "Other", "PerfProfileTestEvents" }));
        Assert.That(document.Descendants("Format").Single().Value, Is.EqualTo("cobertura"));
        Assert.That(document.Descendants("DataCollector").Count(), Is.EqualTo(2), "the project's PerfProfile entry is used, whatever its case");
        var configuration = PerfProfileConfiguration(document);
        Assert.That(configuration.Elements().Select(e => $"{e.Name.LocalName}={e.Value}"),
            Is.EqualTo(new[] { "Frequency=499", "HostEvents=true", "ResultsDirectory=/results" }));
    }

    private static XElement PerfProfileConfiguration(XDocument document) => document.Descendants("DataCollector")
        .Single(e => string.Equals((string?)e.Attribute("friendlyName"), "PerfProfile", StringComparison.OrdinalIgnoreCase)).Element("Configuration")!;
}
