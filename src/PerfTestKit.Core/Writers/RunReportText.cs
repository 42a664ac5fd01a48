using System.Globalization;
using System.Text;

namespace PerfTestKit.Writers;

/// <summary>The report printed after a profiled test run: a console table, and the same as Markdown for CI summaries.</summary>
public static class RunReportText
{
    public static string Console(RunSummary summary, int top)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"PerfTestKit: {summary.Tests.Count} tests profiled, {summary.Samples} samples, {summary.Lost} lost"));
        text.AppendLine($"  index: {summary.IndexPath}");
        foreach (var warning in summary.Warnings) text.AppendLine($"  warning: {warning}");
        text.AppendLine("  slowest tests:");
        foreach (var test in Slowest(summary, top))
        {
            string hot = test.HottestFrame is null ? "(no samples)" : Invariant($"{Clip(test.HottestFrame, 70)} {test.HottestPercent:F0}%");
            text.AppendLine(Invariant($"  {test.DurationMs,9:F1} ms  {Clip(test.Name, 50),-50}  {hot}"));
        }
        return text.ToString().TrimEnd();
    }

    public static string Markdown(RunSummary summary, int top)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"### PerfTestKit: {summary.Tests.Count} tests profiled, {summary.Samples} samples"));
        text.AppendLine();
        text.AppendLine($"Index: `{summary.IndexPath}`");
        text.AppendLine();
        foreach (var warning in summary.Warnings) text.AppendLine($"> warning: {Cell(warning)}").AppendLine();
        text.AppendLine("| Test | Duration (ms) | Samples | Hottest frame |");
        text.AppendLine("|---|---:|---:|---|");
        foreach (var test in Slowest(summary, top))
        {
            string hot = test.HottestFrame is null ? "—" : Invariant($"`{Cell(test.HottestFrame)}` {test.HottestPercent:F0}%");
            text.AppendLine(Invariant($"| {Cell(test.Name)} | {test.DurationMs:F1} | {test.Samples} | {hot} |"));
        }
        text.AppendLine();
        return text.ToString();
    }

    /// <summary>
    /// Appends <paramref name="markdown"/> to the file GITHUB_STEP_SUMMARY names, when it names one (GitHub Actions
    /// shows it on the run's page). Returns the error, if any, for the caller to report as a warning.
    /// </summary>
    public static string? AppendToStepSummary(string markdown)
    {
        string? path = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        if (string.IsNullOrEmpty(path)) return null;
        try
        {
            File.AppendAllText(path, markdown, new UTF8Encoding(false));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"could not append to GITHUB_STEP_SUMMARY ({path}): {e.Message}";
        }
    }

    private static IEnumerable<TestSummary> Slowest(RunSummary summary, int top) =>
        summary.Tests.OrderByDescending(t => t.DurationMs).Take(top);

    /// <summary>Names come from test and symbol names: keep them from breaking a table row.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal)
        .Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
