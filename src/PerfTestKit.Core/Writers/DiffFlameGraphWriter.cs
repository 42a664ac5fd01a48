using System.Text.Json;
using PerfTestKit.Diff;
using PerfTestKit.Symbols;

namespace PerfTestKit.Writers;

/// <summary>
/// A differential flame graph of one test: the head run's stacks of the test's own samples, drawn by the flame
/// graph page with each node's base count beside it, so that the page colours it by how much it grew (red) or
/// shrank (blue). Same self-contained page and escaping as <see cref="FlameGraphHtmlWriter"/>.
/// </summary>
public static class DiffFlameGraphWriter
{
    private const string Placeholder = "/*__PERFTESTKIT_DATA__*/null";
    private static readonly Lazy<EmbeddedTemplate> Template = new(() => EmbeddedTemplate.Load("PerfTestKit.FlameGraph.html", Placeholder));

    private sealed class Node
    {
        public readonly Dictionary<string, Node> Children = new(StringComparer.Ordinal);
        public long Total, Self, Base;
    }

    public static void Write(RunDiff diff, TestChange change, Stream output)
    {
        var head = diff.Head.Tests.First(t => t.Key == change.Key);
        var before = diff.Base.Tests.First(t => t.Key == change.Key);
        var root = new Node();
        foreach (var stack in head.Stacks.Where(s => s.Kind == StackKind.Test))
        {
            var node = root;
            node.Total += stack.Count;
            foreach (int frame in stack.Frames)
            {
                string name = diff.Head.Frames[frame];
                if (!node.Children.TryGetValue(name, out var child)) node.Children[name] = child = new Node();
                node = child;
                node.Total += stack.Count;
            }
            node.Self += stack.Count;
        }
        // The base's counts on the head's nodes (a path the head never took has nothing to draw).
        foreach (var stack in before.Stacks.Where(s => s.Kind == StackKind.Test))
        {
            var node = root;
            node.Base += stack.Count;
            foreach (int frame in stack.Frames)
            {
                if (!node.Children.TryGetValue(diff.Base.Frames[frame], out node!)) break;
                node.Base += stack.Count;
            }
        }
        Template.Value.Write(output, data => WriteData(diff, change, root, data));
        output.Flush();
    }

    private static void WriteData(RunDiff diff, TestChange change, Node root, Stream output)
    {
        using var json = new Utf8JsonWriter(output);
        string title = $"{change.Key}: {change.BaseMs:F0} ms -> {change.HeadMs:F0} ms ({(change.ChangePercent is { } c ? $"{c:+0;-0}%" : "new samples")})";
        var data = new FlameGraphPageData(json, new FlameGraphHeader(title, $"perftestkit diff {diff.Base.Directory} {diff.Head.Directory}", "",
            diff.Head.Event, change.HeadSamples, 0, 0, change.HeadMs / 1000, null));
        // The stacks file keeps frame texts only: the kind is told from the text.
        static FrameKind KindOf(string name) => name.StartsWith(FrameInfo.UnknownName, StringComparison.Ordinal) ? FrameKind.Unknown
            : name.Contains("::", StringComparison.Ordinal) ? FrameKind.Managed : FrameKind.Native;
        var baseCounts = new List<long>();
        var pending = new Stack<(string Name, Node Node, int Depth)>();
        foreach (var (name, child) in root.Children.OrderByDescending(c => c.Key, StringComparer.Ordinal)) pending.Push((name, child, 0));
        while (pending.TryPop(out var item))
        {
            data.Node(data.Frame(item.Name, "", KindOf(item.Name)), item.Depth, item.Node.Total, item.Node.Self);
            baseCounts.Add(item.Node.Base);
            foreach (var (name, child) in item.Node.Children.OrderByDescending(c => c.Key, StringComparer.Ordinal)) pending.Push((name, child, item.Depth + 1));
        }
        data.EndNodes();
        json.WriteStartObject("diff");
        json.WriteStartArray("base");
        foreach (long count in baseCounts) json.WriteNumberValue(count);
        json.WriteEndArray();
        json.WriteNumber("expected", Math.Round(diff.Expected, 4));
        json.WriteString("baseLabel", Path.GetFileName(diff.Base.Directory.TrimEnd('/')));
        json.WriteString("headLabel", Path.GetFileName(diff.Head.Directory.TrimEnd('/')));
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
