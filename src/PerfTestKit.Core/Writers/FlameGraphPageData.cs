using System.Text.Json;
using PerfTestKit.Symbols;

namespace PerfTestKit.Writers;

/// <summary>What the flame graph page's header shows.</summary>
internal readonly record struct FlameGraphHeader(string Title, string Command, string Host, string Event, long Samples, ulong Lost, int Threads, double DurationSeconds, string? GeckoFile);

/// <summary>
/// The flame graph page's data, as its script reads it: a title and header, the call tree as flat pre-order quads
/// [frame, depth, total, self], and each frame once as [name, module, kind] indices into a string table. Both the
/// profile's page (<see cref="FlameGraphHtmlWriter"/>) and the differential one (<see cref="DiffFlameGraphWriter"/>)
/// write through this, so the page has one schema. Strings go through Utf8JsonWriter, which escapes &lt; &gt; &amp;.
/// </summary>
internal sealed class FlameGraphPageData
{
    private readonly Utf8JsonWriter _json;
    private readonly StringTable _strings = new();
    private readonly List<int> _frames = new();
    private readonly Dictionary<(string Name, string Module, FrameKind Kind), int> _frameIds = new();

    /// <summary>Starts the data object with its title and header, and opens the node array.</summary>
    public FlameGraphPageData(Utf8JsonWriter json, FlameGraphHeader header)
    {
        _json = json;
        json.WriteStartObject();
        json.WriteString("title", header.Title);
        json.WriteStartObject("header");
        json.WriteString("command", header.Command);
        json.WriteString("host", header.Host);
        json.WriteString("event", header.Event);
        json.WriteNumber("samples", header.Samples);
        json.WriteNumber("lost", header.Lost);
        json.WriteNumber("threads", header.Threads);
        json.WriteNumber("duration", Math.Round(header.DurationSeconds, 6));
        json.WriteEndObject();
        if (header.GeckoFile is { } gecko) json.WriteString("geckoFile", gecko); else json.WriteNull("geckoFile");
        json.WriteStartArray("nodes");
    }

    /// <summary>The page's index of a frame, added on first use.</summary>
    public int Frame(string name, string module, FrameKind kind)
    {
        if (_frameIds.TryGetValue((name, module, kind), out int id)) return id;
        _frameIds[(name, module, kind)] = id = _frames.Count / 3;
        _frames.Add(_strings.Intern(name));
        _frames.Add(_strings.Intern(module));
        _frames.Add((int)kind);
        return id;
    }

    /// <summary>One node of the call tree, in pre-order.</summary>
    public void Node(int frame, int depth, long total, long self)
    {
        _json.WriteNumberValue(frame);
        _json.WriteNumberValue(depth);
        _json.WriteNumberValue(total);
        _json.WriteNumberValue(self);
    }

    /// <summary>Closes the nodes and writes the frame and string tables; the data object stays open for extra members.</summary>
    public void EndNodes()
    {
        _json.WriteEndArray();
        _json.WriteStartArray("frames");
        foreach (int value in _frames) _json.WriteNumberValue(value);
        _json.WriteEndArray();
        _json.WriteStartArray("strings");
        foreach (string s in _strings.Strings) _json.WriteStringValue(s);
        _json.WriteEndArray();
    }
}
