using System.Text.Json;
using System.Text.RegularExpressions;
using PerfTestKit.Model;
using PerfTestKit.Tests.Support;
using PerfTestKit.Writers;

namespace PerfTestKit.Tests.Writers;

public class FlameGraphHtmlWriterTests
{
    private const string Evil = "</script><img src=x onerror=alert(1)>";

    [Test]
    public void The_page_makes_no_network_reference()
    {
        string html = Render(ProfileLoader.Load(Recordings.DotNet).All());
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://"));
        Assert.That(Regex.IsMatch(html, @"<(script|link|img|iframe)[^>]+(src|href)\s*=", RegexOptions.IgnoreCase), Is.False,
            "no external script, style, image or frame");
    }

    [Test]
    public void A_symbol_that_tries_to_close_the_script_element_stays_data()
    {
        var profile = SyntheticProfile.Create((new[] { SyntheticProfile.Native("main"), SyntheticProfile.Managed(Evil) }, 3));
        string html = Render(profile.All());
        Assert.That(html, Does.Not.Contain(Evil));
        Assert.That(html, Does.Not.Contain("<img"));
        Assert.That(Regex.Matches(html, "</script", RegexOptions.IgnoreCase).Count, Is.EqualTo(Regex.Matches(html, "<script", RegexOptions.IgnoreCase).Count),
            "every </script> closes one of the page's own scripts");
        Assert.That(EmbeddedData(html).GetProperty("strings").EnumerateArray().Select(s => s.GetString()), Does.Contain(Evil));
    }

    [Test]
    public void The_embedded_data_is_the_call_tree_with_the_runs_header()
    {
        var profile = ProfileLoader.Load(Recordings.NativeFile);
        var data = EmbeddedData(Render(profile.All()));
        var header = data.GetProperty("header");
        Assert.Multiple(() =>
        {
            Assert.That(header.GetProperty("samples").GetInt32(), Is.EqualTo(profile.SampleCount));
            Assert.That(header.GetProperty("event").GetString(), Is.EqualTo("cpu-clock"));
            Assert.That(header.GetProperty("command").GetString(), Does.Contain("perf record"));
            Assert.That(header.GetProperty("lost").GetInt32(), Is.EqualTo(0));
        });
        var strings = data.GetProperty("strings").EnumerateArray().Select(s => s.GetString()!).ToList();
        var frames = data.GetProperty("frames").EnumerateArray().Select(f => f.GetInt32()).ToList();
        var nodes = data.GetProperty("nodes").EnumerateArray().Select(n => n.GetInt32()).ToList();
        int rootTotal = 0;
        for (int i = 0; i < nodes.Count; i += 4) if (nodes[i + 1] == 0) rootTotal += nodes[i + 2];
        Assert.That(rootTotal, Is.EqualTo(profile.SampleCount), "the roots hold every sample");
        int leafAddSelf = 0;
        for (int i = 0; i < nodes.Count; i += 4)
        {
            if (strings[frames[nodes[i] * 3]] == "leaf_add") leafAddSelf += nodes[i + 3];
        }
        var expected = profile.All().TopFrames(10).Single(c => profile.Frames[c.Frame].Name == "leaf_add").Self;
        Assert.That(leafAddSelf, Is.EqualTo(expected));
    }

    private static string Render(ProfileView view)
    {
        var stream = new MemoryStream();
        FlameGraphHtmlWriter.Write(view, stream, new FlameGraphOptions { Title = "test", GeckoFileName = "profile.gecko.json" });
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static JsonElement EmbeddedData(string html)
    {
        var match = Regex.Match(html, "<script type=\"application/json\" id=\"perftestkit-data\">(.*?)</script>", RegexOptions.Singleline);
        Assert.That(match.Success, Is.True, "the page embeds its data");
        return JsonDocument.Parse(match.Groups[1].Value).RootElement.Clone();
    }
}
