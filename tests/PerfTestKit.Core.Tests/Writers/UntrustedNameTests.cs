using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PerfTestKit.Profiling;
using PerfTestKit.Tests.Support;
using PerfTestKit.Writers;

namespace PerfTestKit.Tests.Writers;

/// <summary>Symbol and test names come from code we do not control: every output must stay well-formed and inert.</summary>
public class UntrustedNameTests
{
    private static readonly string[] Names =
    {
        "<b onmouseover=\"alert(1)\">x</b>", "it's \"quoted\" & <tagged>", "line\nbreak\r\ttab\u0000nul\u001b[31mansi",
        "bad utf-8 \uFFFD\uFFFD decoded", "lone \uD800 surrogate", new string('A', 10_000) + ";x", "</script><script>alert(1)</script>",
    };

    [Test]
    public void Hostile_symbol_names_leave_the_HTML_inert_and_the_embedded_data_intact()
    {
        var profile = SyntheticProfile.Create(Names.Select(n => (new[] { SyntheticProfile.Native("main"), SyntheticProfile.Managed(n) }, 1)).ToArray());
        var stream = new MemoryStream();
        FlameGraphHtmlWriter.Write(profile.All(), stream, new FlameGraphOptions { Title = Names[0] });
        string html = Encoding.UTF8.GetString(stream.ToArray());
        Assert.That(Regex.Matches(html, "<script", RegexOptions.IgnoreCase).Count, Is.EqualTo(2), "only the page's own data and code scripts");
        Assert.That(html, Does.Not.Contain("onmouseover=\""));
        Assert.That(html, Does.Not.Contain("<b "));
        Assert.That(html.Contains((char)0), Is.False, "no NUL character");
        var match = Regex.Match(html, "<script type=\"application/json\" id=\"perftestkit-data\">(.*?)</script>", RegexOptions.Singleline);
        using var data = JsonDocument.Parse(match.Groups[1].Value);
        var strings = data.RootElement.GetProperty("strings").EnumerateArray().Select(s => s.GetString()).ToList();
        foreach (var name in Names.Where(n => !n.Contains('\uD800'))) Assert.That(strings, Does.Contain(name));
        Assert.That(strings, Has.Some.StartsWith("lone "), "a lone surrogate is replaced, not fatal");
    }

    [Test]
    public void Hostile_names_give_valid_Gecko_JSON_and_one_folded_line_per_stack()
    {
        var profile = SyntheticProfile.Create(Names.Select(n => (new[] { SyntheticProfile.Managed(n) }, 1)).ToArray());
        var markers = Names.Select((n, i) => new GeckoMarker(n, 1_000_000_000UL + (ulong)i, 1_000_000_000UL + (ulong)i + 10)).ToList();
        var json = new MemoryStream();
        GeckoProfileWriter.Write(profile.All(), json, new GeckoProfileOptions { Markers = markers });
        using var doc = JsonDocument.Parse(json.ToArray());
        Assert.That(doc.RootElement.GetProperty("threads")[0].GetProperty("markers").GetProperty("data").GetArrayLength(), Is.EqualTo(Names.Length));

        var folded = new StringWriter();
        FoldedStacksWriter.Write(profile.All(), folded);
        var lines = folded.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(Names.Length));
        foreach (var line in lines)
        {
            Assert.That(line.Split(';'), Has.Length.EqualTo(2), "thread;frame: no ';' from a name");
            Assert.That(line, Does.EndWith(" 1"));
            Assert.That(line.Any(c => char.IsControl(c)), Is.False);
        }
    }

    [Test]
    public void Hostile_test_names_give_a_valid_index()
    {
        var tests = Names.Select((n, i) => new TestIndexEntry(n, n, "Passed", i, i, Array.Empty<HotFrame>(),
            ArtifactFileName.From(n) + ".flamegraph.html", null)).ToList();
        var index = new RunIndex(Names[0], Names[1], Names[2], "cpu-clock", 999, 1, 0, DateTimeOffset.UnixEpoch, 1, Names, null, tests);
        var html = new MemoryStream();
        RunIndexWriter.WriteHtml(index, html);
        string text = Encoding.UTF8.GetString(html.ToArray());
        Assert.That(Regex.Matches(text, "<script", RegexOptions.IgnoreCase).Count, Is.EqualTo(2));
        var json = new MemoryStream();
        RunIndexWriter.WriteJson(index, json);
        using var doc = JsonDocument.Parse(json.ToArray());
        Assert.That(doc.RootElement.GetProperty("tests").GetArrayLength(), Is.EqualTo(Names.Length));
        foreach (var entry in tests) Assert.That(entry.FlameGraph, Does.Not.Contain("/").And.Not.Contain(".."));
    }
}
