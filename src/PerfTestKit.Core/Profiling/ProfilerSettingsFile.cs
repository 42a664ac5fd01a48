namespace PerfTestKit.Profiling;

/// <summary>
/// perftestkit.settings, written next to the test assembly by the package's MSBuild targets: one "Name=value" per
/// line, the PerfProfile* properties without their prefix, and "PerfProfile=true" when the switch is on (which the
/// Microsoft.Testing.Platform extension reads; VSTest turns the collector on through VSTestCollect instead).
/// </summary>
public sealed record ProfilerSettingsFile(bool SwitchedOn, IReadOnlyList<KeyValuePair<string, string>> Values)
{
    public const string FileName = "perftestkit.settings";
    private const string SwitchName = "PerfProfile";

    public static readonly ProfilerSettingsFile Empty = new(false, Array.Empty<KeyValuePair<string, string>>());

    /// <summary>The file in <paramref name="directory"/>, or <see cref="Empty"/> when there is none.</summary>
    public static ProfilerSettingsFile Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return Empty;
        bool switchedOn = false;
        var values = new List<KeyValuePair<string, string>>();
        foreach (var line in File.ReadAllLines(path))
        {
            int equals = line.IndexOf('=');
            if (equals <= 0) continue;
            string name = line[..equals].Trim(), value = line[(equals + 1)..].Trim();
            if (name.Equals(SwitchName, StringComparison.OrdinalIgnoreCase)) switchedOn = value.Equals("true", StringComparison.OrdinalIgnoreCase);
            else values.Add(new(name, value));
        }
        return new ProfilerSettingsFile(switchedOn, values);
    }
}
