using Microsoft.Testing.Platform.CommandLine;
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Extensions.CommandLine;
using PerfTestKit.Profiling;

namespace PerfTestKit.TestingPlatform;

/// <summary>
/// --perf-profile [Name=value ...]: profile this run; optional settings as in runsettings or the PerfProfile*
/// MSBuild properties (Frequency, Event, PerfPath, Formats, KeepPerfData, MinSamples).
/// </summary>
internal sealed class PerfProfileCommandLine : ICommandLineOptionsProvider
{
    public const string OptionName = "perf-profile";

    public string Uid => "PerfTestKit.PerfProfile.CommandLine";
    public string Version => PerfProfileExtension.Version;
    public string DisplayName => "PerfTestKit PerfProfile";
    public string Description => "Records the test run with Linux perf and writes a flame graph and a Gecko profile per test.";

    public Task<bool> IsEnabledAsync() => Task.FromResult(true);

    public IReadOnlyCollection<CommandLineOption> GetCommandLineOptions() => new[]
    {
        new CommandLineOption(OptionName,
            $"Profile the tests with Linux perf: a flame graph and a Firefox Profiler (Gecko) profile per test, and the run's index. " +
            $"Optional settings as Name=value: {string.Join(", ", ProfilerSettings.Names)}.",
            ArgumentArity.ZeroOrMore, isHidden: false),
    };

    public Task<ValidationResult> ValidateOptionArgumentsAsync(CommandLineOption commandOption, string[] arguments)
    {
        ProfilerSettings.Parse(PerfProfileActivation.SplitSettings(arguments), out var errors);
        return Task.FromResult(errors.Count == 0 ? ValidationResult.Valid() : ValidationResult.Invalid(string.Join("; ", errors)));
    }

    public Task<ValidationResult> ValidateCommandLineOptionsAsync(ICommandLineOptions commandLineOptions) => ValidationResult.ValidTask;
}
