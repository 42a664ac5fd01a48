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
        var byThreadAndStack = new Dictionary<(string Thread, int Stack), int>();
        foreach (int s in view.Samples)
        {
            var key = (profile.SampleThread(s).Name, profile.SampleStack(s));
            byThreadAndStack[key] = byThreadAndStack.GetValueOrDefault(key) + 1;
        }
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var text = new StringBuilder();
        // A frame's escaped text is built once, not once per stack it appears in (measured: a third of folding).
        var frameTexts = new Dictionary<int, string>();
        foreach (var ((thread, stack), count) in byThreadAndStack)
        {
            text.Clear();
            text.Append(Escape(thread));
            if (stack >= 0)
            {
                foreach (int frame in profile.Stacks.FramesRootFirst(stack))
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
