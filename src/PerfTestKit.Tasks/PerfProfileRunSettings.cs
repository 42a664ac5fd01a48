using System.Xml.Linq;
using Microsoft.Build.Framework;

namespace PerfTestKit.Tasks;

/// <summary>
/// Before VSTest: writes the runsettings the profiled run uses, the project's own (if any) plus what profiling needs
/// there: the in-process collector that takes each test's start and end inside the test host (VSTest loads
/// in-process collectors only from runsettings), and, for the PerfProfile collector, that it is there and where the
/// results go. The test host then never waits on the collector process per test.
/// </summary>
public sealed class PerfProfileRunSettings : Microsoft.Build.Utilities.Task
{
    /// <summary>The project's runsettings (VSTestSetting or RunSettingsFilePath); empty when it has none.</summary>
    public string BaseSettings { get; set; } = "";

    /// <summary>The in-process collector's assembly (PerfTestKit.Collector.InProcess.dll in the package).</summary>
    [Required]
    public string InProcessAssembly { get; set; } = "";

    /// <summary>Where VSTest writes results: VSTestResultsDirectory, or the default (TestResults in the project's folder).</summary>
    [Required]
    public string ResultsDirectory { get; set; } = "";

    /// <summary>The runsettings file to write.</summary>
    [Required]
    [Output]
    public string OutputFile { get; set; } = "";

    public override bool Execute()
    {
        try
        {
            var document = string.IsNullOrEmpty(BaseSettings) ? new XDocument(new XElement("RunSettings")) : XDocument.Load(BaseSettings);
            RunSettingsMerge.Merge(document, InProcessAssembly, Path.GetFullPath(ResultsDirectory));
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile))!);
            document.Save(OutputFile);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Xml.XmlException or BadImageFormatException or ArgumentException)
        {
            // Without it the collector takes VSTest's per-test events: slower, not wrong.
            Log.LogWarning($"PerfTestKit: could not write the profiling runsettings ({e.Message}); the collector uses VSTest's per-test events instead");
            OutputFile = BaseSettings;
            return true;
        }
    }
}
