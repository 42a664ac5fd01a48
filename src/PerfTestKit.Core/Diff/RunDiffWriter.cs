using System.Globalization;
using System.Text.Json;

namespace PerfTestKit.Diff;

/// <summary>A <see cref="RunDiff"/> as diff.json (for tools and CI) and as the console's lines (for people).</summary>
public static class RunDiffWriter
{
    /// <summary>
    /// {"baseRun", "headRun", "speedFactor", "thresholdPercent", "tests":[{"fullName", "name", "baseSamples", "headSamples",
    /// "baseMs", "headMs", "changePercent", "z", "significant", "topFrames":[{"name", "baseSamples", "headSamples"}]}],
    /// "added":[…], "removed":[…]}: the tests in both runs, in the head's order. Data goes through Utf8JsonWriter,
    /// which escapes every name.
    /// </summary>
    public static void WriteJson(RunDiff diff, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("baseRun", diff.Base.Directory);
        json.WriteString("headRun", diff.Head.Directory);
        json.WriteNumber("speedFactor", Math.Round(diff.SpeedFactor, 4));
        json.WriteNumber("spread", Math.Round(diff.Spread, 4));
        json.WriteNumber("thresholdPercent", diff.Options.ThresholdPercent);
        json.WriteNumber("minZ", diff.Options.MinZ);
        json.WriteStartArray("tests");
        foreach (var test in diff.Tests)
        {
            json.WriteStartObject();
            json.WriteString("fullName", test.Key);
            json.WriteString("name", test.Name);
            json.WriteNumber("baseSamples", test.BaseSamples);
            json.WriteNumber("headSamples", test.HeadSamples);
            json.WriteNumber("baseMs", Math.Round(test.BaseMs, 2));
            json.WriteNumber("headMs", Math.Round(test.HeadMs, 2));
            if (test.ChangePercent is { } change) json.WriteNumber("changePercent", Math.Round(change, 1));
            else json.WriteNull("changePercent");
            json.WriteNumber("z", Math.Round(test.Z, 2));
            json.WriteBoolean("significant", test.Significant);
            json.WriteStartArray("topFrames");
            foreach (var frame in test.TopFrames)
            {
                json.WriteStartObject();
                json.WriteString("name", frame.Name);
                json.WriteNumber("baseSamples", frame.BaseSamples);
                json.WriteNumber("headSamples", frame.HeadSamples);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("added");
        foreach (var key in diff.Added) json.WriteStringValue(key);
        json.WriteEndArray();
        json.WriteStartArray("removed");
        foreach (var key in diff.Removed) json.WriteStringValue(key);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// A diff folder: diff.json, index.html (every common test, sortable) and a differential flame graph per
    /// significant change under tests/. Returns the path of diff.json.
    /// </summary>
    public static string WriteFolder(RunDiff diff, string directory)
    {
        Directory.CreateDirectory(Path.Combine(directory, "tests"));
        string json = Path.Combine(directory, "diff.json");
        using (var file = File.Create(json)) WriteJson(diff, file);
        var pages = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var test in diff.Significant)
        {
            string name = Profiling.ArtifactFileName.From(test.Key);
            for (int n = 2; !used.Add(name); n++) name = $"{Profiling.ArtifactFileName.From(test.Key)}-{n}";
            string page = $"tests/{name}.diff.html";
            using (var file = File.Create(Path.Combine(directory, page))) Writers.DiffFlameGraphWriter.Write(diff, test, file);
            pages[test.Key] = page;
        }
        using (var file = File.Create(Path.Combine(directory, "index.html"))) Writers.DiffIndexWriter.Write(diff, pages, file);
        return json;
    }

    /// <summary>One line per significant change, largest first, then what did not change.</summary>
    public static IEnumerable<string> Lines(RunDiff diff)
    {
        var significant = diff.Significant.ToList();
        foreach (var test in significant)
        {
            string change = test.ChangePercent is { } c ? c.ToString("+0;-0", CultureInfo.InvariantCulture) + "%" : "new samples";
            string frame = test.TopFrames.Count > 0 ? $"  {(test.Z > 0 ? "grew" : "shrank")}: {test.TopFrames[0].Name} ({test.TopFrames[0].BaseSamples} -> {test.TopFrames[0].HeadSamples} samples)" : "";
            yield return string.Create(CultureInfo.InvariantCulture, $"{test.Key}  {test.BaseMs:F0} ms -> {test.HeadMs:F0} ms  {change}{frame}");
        }
        string spread = diff.Spread > 0.05 ? string.Create(CultureInfo.InvariantCulture, $", beyond the tests' own spread of {diff.Spread * 100:F0}% between these runs") : "";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"{significant.Count} of {diff.Tests.Count} tests changed beyond noise ({significant.Count(t => t.Regression)} slower), {diff.Tests.Count - significant.Count} unchanged; " +
            $"{diff.Added.Count} added, {diff.Removed.Count} removed; the head run's overall speed factor {diff.SpeedFactor:F2} (divided out; threshold {diff.Options.ThresholdPercent:0.#}%, z >= {diff.Options.MinZ:0.#}{spread})");
    }

    /// <summary>The same for a CI page ($GITHUB_STEP_SUMMARY): the largest changes as a table, names escaped for Markdown.</summary>
    public static string Markdown(RunDiff diff, int top)
    {
        var text = new System.Text.StringBuilder();
        var significant = diff.Significant.ToList();
        text.AppendLine(CultureInfo.InvariantCulture, $"#### Compared with the baseline: {significant.Count(t => t.Regression)} slower, {significant.Count(t => !t.Regression)} faster, {diff.Tests.Count - significant.Count} unchanged");
        if (significant.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| Test | Base (ms) | Head (ms) | Change | Frame that changed most |");
            text.AppendLine("|---|---:|---:|---:|---|");
            foreach (var test in significant.Take(top))
            {
                string change = test.ChangePercent is { } c ? c.ToString("+0;-0", CultureInfo.InvariantCulture) + "%" : "new";
                text.AppendLine(CultureInfo.InvariantCulture, $"| {Cell(test.Key)} | {test.BaseMs:F0} | {test.HeadMs:F0} | {change} | {(test.TopFrames.Count > 0 ? Cell(test.TopFrames[0].Name) : "")} |");
            }
        }
        return text.ToString();
    }

    private static string Cell(string text) => "`" + text.Replace("`", "'", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal) + "`";
}
