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
    public static void Write(ProfileView view, TextWriter output)
    {
        foreach (var (line, count) in Fold(view).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.Write(line);
            output.Write(' ');
            output.Write(count);
            output.Write('\n');
        }
    }

    /// <summary>Stack text (without the count) to samples.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static Dictionary<string, int> Fold(ProfileView view)
    {
        var profile = view.Profile;
        // Counted by (thread name, stack) as two ints: hashing the name's text for every sample was most of it.
        var nameIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        var nameOfThread = new int[profile.Threads.Count];
        for (int t = 0; t < nameOfThread.Length; t++)
        {
            string name = profile.Threads[t].Name;
            if (!nameIds.TryGetValue(name, out int id))
            {
                nameIds[name] = id = names.Count;
                names.Add(name);
            }
            nameOfThread[t] = id;
        }
        var byThreadAndStack = new Dictionary<long, int>();
        foreach (int s in view.Samples)
        {
            long key = ((long)nameOfThread[profile.SampleThreads[s]] << 32) | (uint)profile.SampleStack(s);
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(byThreadAndStack, key, out _)++;
        }
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var text = new StringBuilder();
        // A frame's escaped text is built once, not once per stack it appears in (measured: a third of folding).
        var frameTexts = new Dictionary<int, string>();
        var frames = new List<int>();
        foreach (var (key, count) in byThreadAndStack)
        {
            string thread = names[(int)(key >> 32)];
            int stack = (int)(uint)key;
            text.Clear();
            text.Append(Escape(thread));
            if (stack >= 0)
            {
                profile.Stacks.FramesRootFirst(stack, frames);
                foreach (int frame in frames)
                {
                    if (!frameTexts.TryGetValue(frame, out var frameText))
                    {
                        frameText = Escape(FrameText(profile.Frames[frame]));
                        frameTexts[frame] = frameText;
                    }
                    text.Append(';').Append(frameText);
                }
            }
            string line = text.ToString();
            lines[line] = lines.GetValueOrDefault(line) + count;
        }
        return lines;
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
