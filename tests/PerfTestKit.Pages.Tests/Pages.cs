using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Symbols;
using PerfTestKit.Writers;

namespace PerfTestKit.Pages.Tests;

/// <summary>Profiles with known counts, written out as the pages users open.</summary>
internal static class Pages
{
    public const string Evil = "</script><img src=x onerror=alert(1)>";

    public static FrameInfo Managed(string name) => new(name, "App", FrameKind.Managed);
    public static FrameInfo Native(string name) => new(name, "libapp.so", FrameKind.Native);
    public static FrameInfo Kernel(string name) => new(name, KernelSymbols.KernelModule, FrameKind.Kernel);

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

    public static Profile Create(params (FrameInfo[] Stack, int Count)[] stacks)
    {
        var profile = new Profile
        {
            Source = "pages",
            Session = new PerfSessionInfo(),
            Events = new[] { new PerfEventAttr { Type = 1, Config = 0, SamplePeriodOrFrequency = 999, SampleFormat = SampleFormat.Ip, ReadFormat = ReadFormat.None, Flags = 1 << 10, Name = "cpu-clock" } },
        };
        profile.Threads.Add(new ThreadInfo(0, 100, 100, "app"));
        ulong time = 1_000_000_000;
        foreach (var (frames, count) in stacks)
        {
            int stack = Profile.EmptyStack;
            foreach (var frame in frames) stack = profile.Stacks.Intern(stack, profile.Frames.Intern(frame));
            for (int i = 0; i < count; i++)
            {
                profile.SampleTimes.Add(time += 1_000_000);
                profile.SampleStacks.Add(stack);
                profile.SampleThreads.Add(0);
                profile.SampleEvents.Add(0);
            }
        }
        return profile;
    }

    public static string WriteFlameGraph(Profile profile, string directory, string name, string title)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, name + ".flamegraph.html");
        using var stream = File.Create(path);
        FlameGraphHtmlWriter.Write(profile.All(), stream, new FlameGraphOptions { Title = title, GeckoFileName = name + ".gecko.json" });
        return path;
    }
}
