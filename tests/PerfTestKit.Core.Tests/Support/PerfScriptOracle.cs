using PerfTestKit.Symbols;

namespace PerfTestKit.Tests.Support;

/// <summary>
/// perf's own reading of a recording, for comparison: `perf script -F comm,ip,sym,dso` folded into
/// "comm;root;...;leaf" lines the way stackcollapse-perf does, with unnamed frames as "[unknown] (in dso)".
/// </summary>
internal static class PerfScriptOracle
{
    public static Dictionary<string, int> FoldedStacks(string perfData)
    {
        var result = ProcessRunner.Run("perf", new[] { "script", "-i", perfData, "-F", "comm,ip,sym,dso" });
        Assert.That(result.ExitCode, Is.EqualTo(0), $"perf script failed: {result.StandardError}");
        var stacks = new Dictionary<string, int>(StringComparer.Ordinal);
        string? comm = null;
        var frames = new List<string>();
        foreach (var line in result.StandardOutput.Split('\n'))
        {
            if (line.Trim().Length == 0)
            {
                Flush();
                continue;
            }
            if (!char.IsWhiteSpace(line[0]))
            {
                Flush();
                comm = line.Trim();
                continue;
            }
            // "\t    55d0c1a2 leaf_add (/tmp/spin)"
            string rest = line.Trim();
            int space = rest.IndexOf(' ');
            rest = space < 0 ? "" : rest[(space + 1)..];
            int open = rest.LastIndexOf(" (", StringComparison.Ordinal);
            string symbol = open < 0 ? rest : rest[..open];
            string dso = open < 0 ? "" : rest[(open + 2)..^1];
            if (symbol == FrameInfo.UnknownName)
            {
                symbol = $"[unknown] (in {(dso.StartsWith('/') ? Path.GetFileName(dso) : dso)})";
            }
            frames.Add(symbol);
        }
        Flush();
        return stacks;

        void Flush()
        {
            if (comm is null) return;
            frames.Reverse();
            string key = string.Join(';', new[] { comm }.Concat(frames));
            stacks[key] = stacks.GetValueOrDefault(key) + 1;
            comm = null;
            frames.Clear();
        }
    }

    /// <summary>The number of samples perf script prints.</summary>
    public static int SampleCount(string perfData) => FoldedStacks(perfData).Values.Sum();
}
