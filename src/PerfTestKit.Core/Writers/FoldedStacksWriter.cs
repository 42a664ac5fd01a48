using System.Text;
using PerfTestKit.Model;
using PerfTestKit.Symbols;

namespace PerfTestKit.Writers;

/// <summary>
/// Folded stacks, the format of flamegraph.pl, inferno and speedscope: one line per distinct stack,
/// "comm;root;...;leaf count", sorted, with the thread's name as the root frame as stackcollapse-perf does.
/// </summary>
public static class FoldedStacksWriter
{
    /// <summary>
    /// Writes the lines in ordinal order of their text, as <c>Fold(view)</c> sorted would be, without making each
    /// line a string: lines are compared frame by frame, and only the first frames that differ are looked at
    /// (.NET stacks are a hundred frames deep and share most of them: comparing whole line strings, 3-4 KB each,
    /// was most of writing a run's folded stacks).
    /// </summary>
    public static void Write(ProfileView view, TextWriter output)
    {
        var (texts, lines) = FoldToTextIds(view);
        var order = lines.Keys.ToArray();
        Array.Sort(order, new LineOrder(texts));
        foreach (var line in order)
        {
            for (int i = 0; i < line.Length; i++)
            {
                if (i > 0) output.Write(';');
                output.Write(texts[line[i]]);
            }
            output.Write(' ');
            output.Write(lines[line]);
            output.Write('\n');
        }
    }

    /// <summary>Stack text (without the count) to samples.</summary>
    public static Dictionary<string, int> Fold(ProfileView view)
    {
        var (texts, lines) = FoldToTextIds(view);
        var folded = new Dictionary<string, int>(lines.Count, StringComparer.Ordinal);
        foreach (var (line, count) in lines) folded[string.Join(';', line.Select(id => texts[id]))] = count;
        return folded;
    }

    /// <summary>
    /// Each line as the ids of its texts (thread name, then frames root first; equal texts share an id, so lines
    /// that read the same are one line) with its samples.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static (List<string> Texts, Dictionary<int[], int> Lines) FoldToTextIds(ProfileView view)
    {
        var profile = view.Profile;
        var texts = new List<string>();
        var textIds = new Dictionary<string, int>(StringComparer.Ordinal);
        int TextId(string text)
        {
            if (!textIds.TryGetValue(text, out int id))
            {
                textIds[text] = id = texts.Count;
                texts.Add(text);
            }
            return id;
        }
        // Counted by (thread name, stack) as two ints: hashing the name's text for every sample was most of it.
        var nameOfThread = new int[profile.Threads.Count];
        for (int t = 0; t < nameOfThread.Length; t++) nameOfThread[t] = TextId(Escape(profile.Threads[t].Name));
        var byThreadAndStack = new Dictionary<long, int>();
        var columns = profile.Samples;
        foreach (int s in view.SampleIndices)
        {
            long key = ((long)nameOfThread[columns.Thread(s)] << 32) | (uint)columns.Stack(s);
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(byThreadAndStack, key, out _)++;
        }
        var lines = new Dictionary<int[], int>(byThreadAndStack.Count, LineEquality.Instance);
        // A frame's escaped text is found once, not once per stack it appears in (measured: a third of folding).
        var frameTexts = new Dictionary<int, int>();
        var frames = new List<int>();
        foreach (var (key, count) in byThreadAndStack)
        {
            int stack = (int)(uint)key;
            frames.Clear();
            if (stack >= 0) profile.Stacks.FramesRootFirst(stack, frames);
            var line = new int[frames.Count + 1];
            line[0] = (int)(key >> 32);
            for (int i = 0; i < frames.Count; i++)
            {
                if (!frameTexts.TryGetValue(frames[i], out int id))
                {
                    frameTexts[frames[i]] = id = TextId(Escape(FrameText(profile.Frames[frames[i]])));
                }
                line[i + 1] = id;
            }
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(lines, line, out _) += count;
        }
        return (texts, lines);
    }

    private sealed class LineEquality : IEqualityComparer<int[]>
    {
        public static readonly LineEquality Instance = new();

        public bool Equals(int[]? a, int[]? b) => a.AsSpan().SequenceEqual(b);

        public int GetHashCode(int[] line)
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(line.AsSpan()));
            return hash.ToHashCode();
        }
    }

    /// <summary>
    /// Ordinal order of the lines' text "t0;t1;...". At the first texts that differ, a and b: if neither starts with
    /// the other, their first differing character decides, as in the whole line. If a is a proper prefix of b, the
    /// line with a goes on with ';' (or ends, and then comes first) where the other has b[a.Length].
    /// </summary>
    private sealed class LineOrder(List<string> texts) : IComparer<int[]>
    {
        public int Compare(int[]? x, int[]? y)
        {
            int common = Math.Min(x!.Length, y!.Length);
            for (int i = 0; i < common; i++)
            {
                if (x[i] == y[i]) continue;
                string a = texts[x[i]], b = texts[y[i]];
                if (b.Length > a.Length && b.StartsWith(a, StringComparison.Ordinal)) return AfterPrefix(i + 1 < x.Length, b[a.Length]);
                if (a.Length > b.Length && a.StartsWith(b, StringComparison.Ordinal)) return -AfterPrefix(i + 1 < y.Length, a[b.Length]);
                return string.CompareOrdinal(a, b);
            }
            return x.Length.CompareTo(y.Length);
        }

        /// <summary>The shorter text's line against the longer's character at the same place.</summary>
        private static int AfterPrefix(bool shorterLineGoesOn, char longer) => shorterLineGoesOn ? ';'.CompareTo(longer) : -1;
    }

    /// <summary>A frame as folded text: the name, or "[unknown] (in module)" so unknown code still says where it was.</summary>
    public static string FrameText(FrameInfo frame) =>
        frame.Name == FrameInfo.UnknownName && frame.Module.Length > 0 ? frame.Location : frame.Name;

    /// <summary>';' separates frames and a newline ends the line: neither may stand inside a name.</summary>
    public static string Escape(string name)
    {
        // char.IsControl is U+0000-U+001F and U+007F-U+009F; span searches are vectorised, a LINQ scan is not.
        var span = name.AsSpan();
        if (span.IndexOf(';') < 0 && span.IndexOfAnyInRange('\u0000', '\u001f') < 0 && span.IndexOfAnyInRange('\u007f', '\u009f') < 0) return name;
        var text = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            text.Append(c switch { ';' => ':', _ when char.IsControl(c) => ' ', _ => c });
        }
        return text.ToString();
    }
}
