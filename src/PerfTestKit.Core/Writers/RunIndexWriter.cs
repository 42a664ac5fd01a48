using System.Text;
using System.Text.Json;

namespace PerfTestKit.Writers;

/// <summary>A hot frame of one test: where its samples ended.</summary>
public sealed record HotFrame(string Name, string Module, int Self, double Percent);

/// <summary>One row of the run index.</summary>
/// <param name="Note">Why the test has no files of its own (too short to be sampled, too few samples), or null.</param>
public sealed record TestIndexEntry(string Name, string FullName, string Outcome, double DurationMs, int Samples,
    IReadOnlyList<HotFrame> Hottest, string? FlameGraph, string? Gecko, string? Note = null)
{
    /// <summary>For a test that ran beside others: the samples of its time that no test could be given.</summary>
    public int? Unattributed { get; init; }
}

/// <summary>The run as the index shows it.</summary>
public sealed record RunIndex(string Title, string Command, string Host, string Event, int Frequency, long Samples, ulong Lost,
    DateTimeOffset Started, double DurationSeconds, IReadOnlyList<string> Warnings, string? RunProfile, IReadOnlyList<TestIndexEntry> Tests)
{
    /// <summary>Samples taken while tests ran in parallel that no test could be given; null when none ran in parallel.</summary>
    public long? Unattributed { get; init; }
}

/// <summary>
/// Writes the run's index.html (every test with outcome, duration, samples, hottest frames and a link to its flame
/// graph) and the same data as JSON for tools. Data goes in through Utf8JsonWriter, which escapes &lt; &gt; &amp;.
/// </summary>
public static class RunIndexWriter
{
    private const string Placeholder = "/*__PERFTESTKIT_INDEX__*/null";
    private static readonly Lazy<EmbeddedTemplate> Template = new(() => EmbeddedTemplate.Load("PerfTestKit.RunIndex.html", Placeholder));

    public static void WriteHtml(RunIndex index, Stream output) => Template.Value.Write(output, data => WriteJson(index, data));

    public static void WriteJson(RunIndex index, Stream output)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("title", index.Title);
        json.WriteStartObject("summary");
        json.WriteString("command", index.Command);
        json.WriteString("host", index.Host);
        json.WriteString("event", index.Event);
        json.WriteNumber("frequency", index.Frequency);
        json.WriteNumber("samples", index.Samples);
        json.WriteNumber("lost", index.Lost);
        json.WriteString("started", index.Started.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteNumber("duration", Math.Round(index.DurationSeconds, 3));
        if (index.Unattributed is { } unattributed) json.WriteNumber("unattributed", unattributed);
        json.WriteStartArray("warnings");
        foreach (var warning in index.Warnings) json.WriteStringValue(warning);
        json.WriteEndArray();
        json.WriteEndObject();
        if (index.RunProfile is { } run) json.WriteString("runProfile", run); else json.WriteNull("runProfile");
        json.WriteStartArray("tests");
        foreach (var test in index.Tests)
        {
            json.WriteStartObject();
            json.WriteString("name", test.Name);
            json.WriteString("fullName", test.FullName);
            json.WriteString("outcome", test.Outcome);
            json.WriteNumber("durationMs", Math.Round(test.DurationMs, 3));
            json.WriteNumber("samples", test.Samples);
            json.WriteStartArray("hottest");
            foreach (var hot in test.Hottest)
            {
                json.WriteStartObject();
                json.WriteString("name", hot.Name);
                json.WriteString("module", hot.Module);
                json.WriteNumber("self", hot.Self);
                json.WriteNumber("percent", Math.Round(hot.Percent, 1));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (test.FlameGraph is { } fg) json.WriteString("flameGraph", fg); else json.WriteNull("flameGraph");
            if (test.Gecko is { } gecko) json.WriteString("gecko", gecko); else json.WriteNull("gecko");
            if (test.Note is { } note) json.WriteString("note", note); else json.WriteNull("note");
            if (test.Unattributed is { } notGiven) json.WriteNumber("unattributed", notGiven);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
