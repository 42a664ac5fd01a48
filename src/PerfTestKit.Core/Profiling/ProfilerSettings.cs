using System.Globalization;
using PerfTestKit.Writers;

namespace PerfTestKit.Profiling;

/// <summary>
/// How a test run is profiled. One immutable record for every front end (runsettings, MSBuild, MTP options),
/// parsed once; every bad value is reported by name, none silently replaced by a default.
/// </summary>
public sealed record ProfilerSettings
{
    public int Frequency { get; init; } = 999;
    public string Event { get; init; } = "cpu-clock";
    public string PerfPath { get; init; } = "perf";

    /// <summary>Per-test outputs; the run always gets its index, whole-run Gecko profile and folded stacks.</summary>
    public OutputFormats TestFormats { get; init; } = OutputFormats.Html | OutputFormats.Gecko;

    /// <summary>Attach the raw perf.data of the run too.</summary>
    public bool KeepPerfData { get; init; }

    /// <summary>
    /// A test gets its own files (and TRX attachments) only with at least this many samples: most tests of a large
    /// suite are shorter than a sampling period, and a page that says "no samples" thousands of times is only
    /// weight in the artifacts. Every test keeps its row in the index and the summary either way.
    /// </summary>
    public int MinSamples { get; init; } = DefaultMinSamples;

    /// <summary>10 samples: 10 ms of CPU at 999 Hz, about the least a flame graph says anything with.</summary>
    public const int DefaultMinSamples = 10;

    /// <summary>
    /// Under VSTest, attach each test's files to its result in the TRX. VSTest attaches only files sent inside a
    /// test's end, which makes the test host wait on the collector process for every test (about a millisecond each,
    /// before any work of ours): off by default, when each test's start and end are taken inside the host instead and
    /// its files are written beside the run's index, off the host's path.
    /// </summary>
    public bool AttachToResults { get; init; }

    /// <summary>Setting names, as written in runsettings (case-insensitive) and, prefixed with PerfProfile, in MSBuild.</summary>
    public static readonly IReadOnlyList<string> Names = new[] { "Frequency", "Event", "PerfPath", "Formats", "KeepPerfData", "MinSamples", "AttachToResults" };

    /// <summary>Parses name/value pairs; unknown names and bad values come back in <paramref name="errors"/>.</summary>
    public static ProfilerSettings Parse(IEnumerable<KeyValuePair<string, string>> values, out List<string> errors)
    {
        errors = new List<string>();
        var settings = new ProfilerSettings();
        foreach (var (rawName, rawValue) in values)
        {
            string name = rawName.Trim();
            string value = rawValue.Trim();
            switch (name.ToLowerInvariant())
            {
                case "frequency":
                    if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int hz) && hz is > 0 and <= 100_000)
                        settings = settings with { Frequency = hz };
                    else errors.Add($"Frequency: '{value}' is not a sampling rate from 1 to 100000 Hz");
                    break;
                case "event":
                    if (value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or ':' or '/' or ',' or '=' or '.'))
                        settings = settings with { Event = value };
                    else errors.Add($"Event: '{value}' is not a perf event name");
                    break;
                case "perfpath":
                    if (value.Length > 0) settings = settings with { PerfPath = value };
                    else errors.Add("PerfPath: empty");
                    break;
                case "formats":
                    var formats = OutputFormatNames.Parse(value, out var formatErrors);
                    if (formatErrors.Count == 0) settings = settings with { TestFormats = formats };
                    else errors.AddRange(formatErrors.Select(e => $"Formats: {e}"));
                    break;
                case "keepperfdata":
                    if (bool.TryParse(value, out bool keep)) settings = settings with { KeepPerfData = keep };
                    else errors.Add($"KeepPerfData: '{value}' is not true or false");
                    break;
                case "minsamples":
                    if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int min) && min >= 0)
                        settings = settings with { MinSamples = min };
                    else errors.Add($"MinSamples: '{value}' is not a whole number of samples, 0 or more");
                    break;
                case "attachtoresults":
                    if (bool.TryParse(value, out bool attach)) settings = settings with { AttachToResults = attach };
                    else errors.Add($"AttachToResults: '{value}' is not true or false");
                    break;
                default:
                    errors.Add($"{name}: unknown setting (known: {string.Join(", ", Names)})");
                    break;
            }
        }
        return settings;
    }
}
