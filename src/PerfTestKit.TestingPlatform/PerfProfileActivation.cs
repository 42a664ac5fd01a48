using Microsoft.Testing.Platform.CommandLine;
using PerfTestKit.Profiling;

namespace PerfTestKit.TestingPlatform;

/// <summary>
/// Whether this run is profiled and how: perftestkit.settings next to the test application (the MSBuild switch and
/// PerfProfile* properties), then --perf-profile and its settings, which win.
/// </summary>
internal sealed record PerfProfileActivation(bool Enabled, ProfilerSettings Settings, IReadOnlyList<string> Errors)
{
    public static PerfProfileActivation Read(ICommandLineOptions options, string applicationDirectory)
    {
        var file = ProfilerSettingsFile.Read(applicationDirectory);
        bool optionSet = options.TryGetOptionArgumentList(PerfProfileCommandLine.OptionName, out string[]? arguments);
        var values = file.Values.Concat(SplitSettings(arguments ?? Array.Empty<string>()));
        var settings = ProfilerSettings.Parse(values, out var errors);
        return new PerfProfileActivation(file.SwitchedOn || optionSet, settings, errors);
    }

    /// <summary>"Name=value" arguments as pairs; one without '=' becomes a pair with an empty value, which Parse reports.</summary>
    public static IEnumerable<KeyValuePair<string, string>> SplitSettings(IEnumerable<string> arguments) =>
        arguments.Select(a => a.IndexOf('=') is var equals and > 0
            ? new KeyValuePair<string, string>(a[..equals], a[(equals + 1)..])
            : new KeyValuePair<string, string>(a, ""));
}
