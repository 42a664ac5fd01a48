using PerfTestKit.Symbols;

namespace PerfTestKit.Tests.Support;

/// <summary>
/// perf's own reading of a recording, for comparison: `perf script -F comm,ip,sym,dso` folded into
/// "comm;root;...;leaf" lines the way stackcollapse-perf does, with unnamed frames as "[unknown] (in dso)".
/// </summary>
internal static class PerfScriptOracle
{
    /// <summary>Each sample's time in nanoseconds, as `perf script -F time --ns` prints it, in file order.</summary>
    public static List<ulong> SampleTimesNs(string perfData)
    {
        var result = ProcessRunner.Run("perf", new[] { "script", "-i", perfData, "-F", "time", "--ns" });
        Assert.That(result.ExitCode, Is.EqualTo(0), $"perf script failed: {result.StandardError}");
        var times = new List<ulong>();
        foreach (var line in result.StandardOutput.Split('\n'))
        {
            var text = line.Trim().TrimEnd(':');
            int dot = text.IndexOf('.');
            if (dot <= 0 || !ulong.TryParse(text[..dot], out ulong seconds) || !ulong.TryParse(text[(dot + 1)..], out ulong nanos)) continue;
            times.Add(seconds * 1_000_000_000 + nanos);
        }
        return times;
    }

    /// <param name="perfScriptArguments">More arguments for perf script (e.g. --kallsyms=FILE).</param>
    public static Dictionary<string, int> FoldedStacks(string perfData, params string[] perfScriptArguments)
    {
        var result = ProcessRunner.Run("perf", new[] { "script", "-i", perfData, "-F", "comm,ip,sym,dso" }.Concat(perfScriptArguments));
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
            string rest;
            if (!char.IsWhiteSpace(line[0]) || !line.TrimEnd().EndsWith(')'))
            {
                Flush();
                comm = line.Trim();
                continue;
            }
            if (comm is null)
            {
                // Without call chains perf prints one line a sample: "  spin   55d0c1a2 leaf_add (/tmp/spin)".
                var fields = line.Trim();
                int open = fields.LastIndexOf(" (", StringComparison.Ordinal);
                var words = fields[..open].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                int ipAt = Array.FindLastIndex(words, w => w.All(Uri.IsHexDigit) && w.Length >= 3);
                comm = string.Join(' ', words[..ipAt]);
                rest = string.Join(' ', words[ipAt..]) + fields[open..];
                AddFrame(rest);
                Flush();
                continue;
            }
            // "\t    55d0c1a2 leaf_add (/tmp/spin)"
            rest = line.Trim();
            AddFrame(rest);
        }
        Flush();
        return stacks;

        // "55d0c1a2 leaf_add (/tmp/spin)": address, symbol, dso.
        void AddFrame(string entry)
        {
            int space = entry.IndexOf(' ');
            entry = space < 0 ? "" : entry[(space + 1)..];
            int open = entry.LastIndexOf(" (", StringComparison.Ordinal);
            string symbol = open < 0 ? entry : entry[..open];
            string dso = open < 0 ? "" : entry[(open + 2)..^1];
            if (symbol == FrameInfo.UnknownName)
            {
                symbol = $"[unknown] (in {(dso.StartsWith('/') ? Path.GetFileName(dso) : dso)})";
            }
            frames.Add(symbol);
        }

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
