using System.Text.Json;

namespace PerfTestKit.Collector.Tests;

/// <summary>
/// The folder a profiled run writes into its results folder (PerfProfile-STAMP-PID): the index, the run's Gecko
/// profile, folded stacks and summary, and each test's files under tests/, found through the summary's links.
/// </summary>
internal sealed class RunFolder
{
    private RunFolder(string directory, List<Row> rows)
    {
        Directory = directory;
        Rows = rows;
    }

    public string Directory { get; }

    /// <summary>Every test's row in the summary, with its files resolved to full paths.</summary>
    public List<Row> Rows { get; }

    public sealed record Row(string Name, string FullName, string Outcome, int Samples, string? Note, List<string> Files);

    public string File(string name) => Path.Combine(Directory, name);

    /// <summary>Each test's files by test name (tests without files are left out).</summary>
    public Dictionary<string, List<string>> TestFiles => Rows.Where(r => r.Files.Count > 0).ToDictionary(r => r.Name, r => r.Files);

    /// <summary>The run folders under a results folder (one per test host).</summary>
    public static List<RunFolder> LoadAll(string resultsDirectory) =>
        System.IO.Directory.GetDirectories(resultsDirectory, "PerfProfile-*", SearchOption.AllDirectories)
            .Where(d => !d.Contains("/In/", StringComparison.Ordinal))
            .Select(Load).ToList();

    public static RunFolder LoadSingle(string resultsDirectory)
    {
        var all = LoadAll(resultsDirectory);
        Assert.That(all, Has.Count.EqualTo(1), $"one run folder in {resultsDirectory}");
        return all[0];
    }

    public static RunFolder Load(string directory)
    {
        using var summary = JsonDocument.Parse(System.IO.File.ReadAllBytes(Path.Combine(directory, "perftestkit-summary.json")));
        var rows = summary.RootElement.GetProperty("tests").EnumerateArray().Select(t => new Row(
            t.GetProperty("name").GetString()!,
            t.GetProperty("fullName").GetString()!,
            t.GetProperty("outcome").GetString()!,
            t.GetProperty("samples").GetInt32(),
            t.GetProperty("note").GetString(),
            new[] { "flameGraph", "gecko" }.Select(p => t.GetProperty(p).GetString()).OfType<string>()
                // Links are relative to the index.
                .Select(link => Path.GetFullPath(Path.Combine(directory, link))).ToList())).ToList();
        return new RunFolder(directory, rows);
    }
}
