namespace PerfTestKit.Writers;

/// <summary>The files a report can hold.</summary>
[Flags]
public enum OutputFormats
{
    None = 0,
    Html = 1,
    Gecko = 2,
    Folded = 4,
    All = Html | Gecko | Folded,
}

public static class OutputFormatNames
{
    public const string FlameGraphFile = "flamegraph.html";
    public const string GeckoFile = "profile.gecko.json";
    public const string FoldedFile = "stacks.folded";

    private static readonly char[] Separators = { ',', ';', '+' };

    /// <summary>
    /// Parses "html,gecko,folded" (or with ';' or '+': MSBuild splits a command line's -p value at commas and
    /// semicolons, so `-p:PerfProfileFormats=html+gecko+folded`); unknown names are returned as errors, never ignored.
    /// </summary>
    public static OutputFormats Parse(string text, out List<string> errors)
    {
        errors = new List<string>();
        var formats = OutputFormats.None;
        foreach (var part in text.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToLowerInvariant())
            {
                case "html": case "flamegraph": formats |= OutputFormats.Html; break;
                case "gecko": case "firefox": formats |= OutputFormats.Gecko; break;
                case "folded": case "collapsed": formats |= OutputFormats.Folded; break;
                case "all": formats |= OutputFormats.All; break;
                default: errors.Add($"unknown format '{part}' (expected html, gecko, folded or all)"); break;
            }
        }
        if (formats == OutputFormats.None && errors.Count == 0) errors.Add("no output format given");
        return formats;
    }
}
