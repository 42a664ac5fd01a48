using PerfTestKit.Model;
using PerfTestKit.Symbols;
using PerfTestKit.Tests.Support;
using PerfTestKit.Writers;

namespace PerfTestKit.Pages.Tests;

/// <summary>Profiles with known counts, written out as the pages users open.</summary>
internal static class Pages
{
    public const string Evil = "</script><img src=x onerror=alert(1)>";

    public static FrameInfo Managed(string name) => SyntheticProfile.Managed(name);
    public static FrameInfo Native(string name) => SyntheticProfile.Native(name);
    public static FrameInfo Kernel(string name) => SyntheticProfile.Kernel(name);

    /// <summary>
    /// 105 samples: main;parse;parse_value 40, main;parse;read_file;sys_read 20, main;render;draw 30,
    /// main;render;parse_value 10, main;EVIL 5.
    /// </summary>
    public static Profile Known() => Create(
        (new[] { Native("main"), Managed("parse"), Managed("parse_value") }, 40),
        (new[] { Native("main"), Managed("parse"), Managed("read_file"), Kernel("sys_read") }, 20),
        (new[] { Native("main"), Managed("render"), Native("draw") }, 30),
        (new[] { Native("main"), Managed("render"), Managed("parse_value") }, 10),
        (new[] { Native("main"), Managed(Evil) }, 5));

    /// <summary>A call tree of about 100,000 nodes: 1,000 callers with 100 callees each.</summary>
    public static Profile Large()
    {
        var stacks = new List<(FrameInfo[], int)>();
        for (int i = 0; i < 1000; i++)
        {
            for (int j = 0; j < 100; j++)
            {
                stacks.Add((new[] { Native("main"), Managed($"Caller{i:D4}"), Managed($"Callee{j:D3}") }, 1 + (i + j) % 3));
            }
        }
        return Create(stacks.ToArray());
    }

    public static Profile Create(params (FrameInfo[] Stack, int Count)[] stacks) => SyntheticProfile.Create(stacks);

    public static string WriteFlameGraph(Profile profile, string directory, string name, string title)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, name + ".flamegraph.html");
        using var stream = File.Create(path);
        FlameGraphHtmlWriter.Write(profile.All(), stream, new FlameGraphOptions { Title = title, GeckoFileName = name + ".gecko.json" });
        return path;
    }
}
