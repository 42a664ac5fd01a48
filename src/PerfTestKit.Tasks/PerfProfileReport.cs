using System.Globalization;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PerfTestKit.Writers;

namespace PerfTestKit.Tasks;

/// <summary>
/// After `dotnet test`: finds the profiles this run wrote and prints where the index is, with the slowest tests
/// and their hottest frames; appends the same as Markdown to GITHUB_STEP_SUMMARY when that is set.
/// </summary>
public sealed class PerfProfileReport : Microsoft.Build.Utilities.Task
{
    private const string SummaryFile = "perftestkit-summary.json";

    /// <summary>Where VSTest may have put the results (VSTestResultsDirectory, the project's or the caller's TestResults).</summary>
    [Required]
    public ITaskItem[] ResultsDirectories { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>When the test run started (round-trip format); older summaries belong to earlier runs.</summary>
    [Required]
    public string Since { get; set; } = "";

    /// <summary>How many of the slowest tests to list.</summary>
    public int Top { get; set; } = 5;

    public override bool Execute()
    {
        if (!DateTime.TryParse(Since, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var since))
        {
            Log.LogWarning($"PerfTestKit: cannot read the run's start time '{Since}'; no profile report");
            return true;
        }
        var summaries = FindSummaries(since.ToUniversalTime());
        if (summaries.Count == 0)
        {
            Log.LogMessage(MessageImportance.High, "PerfTestKit: no profiles were written by this run (see the PerfProfile warning above, if any).");
            return true;
        }
        foreach (var path in summaries)
        {
            RunSummary summary;
            try
            {
                summary = RunSummary.Read(path);
            }
            catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
            {
                Log.LogWarning($"PerfTestKit: could not read {path}: {e.Message}");
                continue;
            }
            Log.LogMessage(MessageImportance.High, RunReportText.Console(summary, Top));
            AppendStepSummary(RunReportText.Markdown(summary, Top));
        }
        return true;
    }

    private List<string> FindSummaries(DateTime since)
    {
        var found = new List<string>();
        foreach (var item in ResultsDirectories)
        {
            string directory = item.ItemSpec;
            if (directory.Length == 0 || !Directory.Exists(directory)) continue;
            foreach (var file in Directory.EnumerateFiles(directory, SummaryFile, SearchOption.AllDirectories))
            {
                // The TRX keeps a second copy under <run>/In/: report each run once.
                if (file.Contains($"{Path.DirectorySeparatorChar}In{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                if (File.GetLastWriteTimeUtc(file) >= since) found.Add(Path.GetFullPath(file));
            }
        }
        return found.Distinct(StringComparer.Ordinal).ToList();
    }

    private void AppendStepSummary(string markdown)
    {
        if (RunReportText.AppendToStepSummary(markdown) is { } error) Log.LogWarning($"PerfTestKit: {error}");
    }
}
