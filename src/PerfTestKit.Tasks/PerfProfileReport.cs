using System.Globalization;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using PerfTestKit.Diff;
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

    /// <summary>PerfProfileBaseline: a run folder (or a results folder holding one) to compare this run with.</summary>
    public string Baseline { get; set; } = "";

    /// <summary>PerfProfileDiffThreshold: the smallest change reported, in percent (default 25).</summary>
    public string Threshold { get; set; } = "";

    /// <summary>PerfProfileFailOnRegression: a test slower than the baseline beyond noise by more than this percentage fails the build.</summary>
    public string FailOnRegression { get; set; } = "";

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
            if (Baseline.Length > 0) CompareWithBaseline(Path.GetDirectoryName(path)!);
        }
        return !Log.HasLoggedErrors;
    }

    /// <summary>
    /// The run against PerfProfileBaseline: its changes beyond noise in the console and the step summary, diff.json in
    /// the run's diff folder, and with PerfProfileFailOnRegression a build error for a test that got too much slower.
    /// A baseline that cannot be read is a warning: the tests' own outcome stands.
    /// </summary>
    private void CompareWithBaseline(string runDirectory)
    {
        double? limit = null;
        if (FailOnRegression.Length > 0)
        {
            if (!double.TryParse(FailOnRegression, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) || parsed < 0)
            {
                Log.LogWarning($"PerfTestKit: PerfProfileFailOnRegression '{FailOnRegression}' is not a percentage (e.g. 25); no regression gate");
            }
            else limit = parsed;
        }
        var options = new ComparisonOptions();
        if (Threshold.Length > 0)
        {
            if (double.TryParse(Threshold, NumberStyles.Float, CultureInfo.InvariantCulture, out double threshold) && threshold >= 0) options = options with { ThresholdPercent = threshold };
            else Log.LogWarning($"PerfTestKit: PerfProfileDiffThreshold '{Threshold}' is not a percentage (e.g. 25); using {options.ThresholdPercent}");
        }
        RunDiff diff;
        try
        {
            diff = RunComparison.Compare(TestStacksFile.ReadRun(Baseline), TestStacksFile.ReadRun(runDirectory), options);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Log.LogWarning($"PerfTestKit: not compared with the baseline: {e.Message}");
            return;
        }
        string diffDirectory = Path.Combine(runDirectory, "diff");
        try
        {
            RunDiffWriter.WriteFolder(diff, diffDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LogWarning($"PerfTestKit: could not write {diffDirectory}: {e.Message}");
        }
        var lines = RunDiffWriter.Lines(diff).ToList();
        var message = new StringBuilder($"PerfTestKit: compared with the baseline {Baseline}:");
        foreach (var line in lines.Take(lines.Count - 1).Take(Top)) message.Append("\n    ").Append(line);
        message.Append("\n    ").Append(lines[^1]).Append("\n    diff: ").Append(Path.Combine(diffDirectory, "index.html"));
        Log.LogMessage(MessageImportance.High, message.ToString());
        AppendStepSummary(RunDiffWriter.Markdown(diff, Top));
        if (limit is { } percent && diff.Significant.FirstOrDefault(t => t.Regression && (t.ChangePercent ?? double.MaxValue) > percent) is { } worst)
        {
            string change = worst.ChangePercent is { } c ? $"{c:F0}%" : "from no samples";
            string frame = worst.TopFrames.Count > 0 ? $"; grew most: {worst.TopFrames[0].Name} ({worst.TopFrames[0].BaseSamples} -> {worst.TopFrames[0].HeadSamples} samples)" : "";
            Log.LogError($"PerfTestKit: {worst.Key} got slower than the baseline by {change} ({worst.BaseMs:F0} ms -> {worst.HeadMs:F0} ms), more than PerfProfileFailOnRegression {percent}%{frame}");
        }
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
