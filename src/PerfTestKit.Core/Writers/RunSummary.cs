using System.Text.Json;

namespace PerfTestKit.Writers;

/// <summary>What a profiled run wrote in perftestkit-summary.json, as far as the printed report needs it.</summary>
public sealed record RunSummary(string IndexPath, int Samples, ulong Lost, IReadOnlyList<string> Warnings, IReadOnlyList<TestSummary> Tests)
{
    public static RunSummary Read(string summaryPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(summaryPath));
        var root = doc.RootElement;
        var summary = root.GetProperty("summary");
        var tests = root.GetProperty("tests").EnumerateArray().Select(t =>
        {
            var hottest = t.GetProperty("hottest").EnumerateArray().FirstOrDefault();
            return new TestSummary(
                t.GetProperty("name").GetString() ?? "",
                t.GetProperty("outcome").GetString() ?? "",
                t.GetProperty("durationMs").GetDouble(),
                t.GetProperty("samples").GetInt32(),
                hottest.ValueKind == JsonValueKind.Object ? hottest.GetProperty("name").GetString() : null,
                hottest.ValueKind == JsonValueKind.Object ? hottest.GetProperty("percent").GetDouble() : 0,
                t.GetProperty("flameGraph").GetString());
        }).ToList();
        return new RunSummary(
            Path.Combine(Path.GetDirectoryName(summaryPath) ?? "", "index.html"),
            summary.GetProperty("samples").GetInt32(),
            summary.GetProperty("lost").GetUInt64(),
            summary.GetProperty("warnings").EnumerateArray().Select(w => w.GetString() ?? "").ToList(),
            tests);
    }
}

public sealed record TestSummary(string Name, string Outcome, double DurationMs, int Samples, string? HottestFrame, double HottestPercent, string? FlameGraph);
