using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PerfTestKit.Collector.Tests;

/// <summary>Reads a TRX file: each result's attachments as full paths, and the run's session attachments.</summary>
internal sealed class TrxReport
{
    private static readonly XNamespace Ns = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    private TrxReport(Dictionary<string, List<string>> testAttachments, Dictionary<string, TimeSpan> durations, List<string> sessionAttachments)
    {
        TestAttachments = testAttachments;
        Durations = durations;
        SessionAttachments = sessionAttachments;
    }

    /// <summary>Test name to the files attached to its result.</summary>
    public Dictionary<string, List<string>> TestAttachments { get; }

    /// <summary>Test name to the duration the framework measured.</summary>
    public Dictionary<string, TimeSpan> Durations { get; }

    public List<string> SessionAttachments { get; }

    public static TrxReport Load(string resultsDirectory)
    {
        string trx = Directory.GetFiles(resultsDirectory, "*.trx").Single();
        // Attachment hrefs are relative to <deployment root>/In/<relativeResultsDirectory>/ (tests) or <deployment root>/In/ (session).
        var doc = XDocument.Load(trx);
        string root = (string?)doc.Descendants(Ns + "Deployment").FirstOrDefault()?.Attribute("runDeploymentRoot")
            ?? Path.GetFileNameWithoutExtension(trx);
        string inDir = Path.Combine(resultsDirectory, root, "In");
        var tests = new Dictionary<string, List<string>>();
        var durations = new Dictionary<string, TimeSpan>();
        foreach (var result in doc.Descendants(Ns + "UnitTestResult"))
        {
            string name = (string)result.Attribute("testName")!;
            string relative = (string?)result.Attribute("relativeResultsDirectory") ?? "";
            if ((string?)result.Attribute("duration") is { } duration) durations[name] = TimeSpan.Parse(duration, System.Globalization.CultureInfo.InvariantCulture);
            tests[name] = result.Descendants(Ns + "A").Select(a => Path.Combine(inDir, relative, (string)a.Attribute("href")!)).ToList();
        }
        var session = doc.Root!.Element(Ns + "ResultSummary")?.Element(Ns + "CollectorDataEntries")?.Descendants(Ns + "A")
            .Select(a => Path.Combine(inDir, (string)a.Attribute("href")!)).ToList() ?? new List<string>();
        return new TrxReport(tests, durations, session);
    }

    /// <summary>The frame names embedded in a flame graph page.</summary>
    public static List<string> FlameGraphFrames(string htmlPath)
    {
        string html = File.ReadAllText(htmlPath);
        var match = Regex.Match(html, "<script type=\"application/json\" id=\"perftestkit-data\">(.*?)</script>", RegexOptions.Singleline);
        Assert.That(match.Success, Is.True, $"{htmlPath} embeds no data");
        using var data = JsonDocument.Parse(match.Groups[1].Value);
        return data.RootElement.GetProperty("strings").EnumerateArray().Select(s => s.GetString()!).ToList();
    }
}
