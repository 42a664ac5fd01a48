using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Symbols;

namespace PerfTestKit.Tests.Support;

/// <summary>Profiles made by hand, for writer tests that need names no real binary carries.</summary>
internal static class SyntheticProfile
{
    /// <summary>Each stack is root first; each gets <c>count</c> samples, 1 ms apart, on thread 100 of process 100.</summary>
    public static Profile Create(params (FrameInfo[] Stack, int Count)[] stacks)
    {
        var profile = new Profile
        {
            Source = "synthetic",
            Session = new PerfSessionInfo(),
            Events = new[] { new PerfEventAttr { Type = 1, Config = 0, SamplePeriodOrFrequency = 1000, SampleFormat = SampleFormat.Ip, ReadFormat = ReadFormat.None, Flags = 1 << 10, Name = "cpu-clock" } },
        };
        profile.Threads.Add(new ThreadInfo(0, 100, 100, "synthetic"));
        ulong time = 1_000_000_000;
        foreach (var (frames, count) in stacks)
        {
            int stack = Profile.EmptyStack;
            foreach (var frame in frames) stack = profile.Stacks.Intern(stack, profile.Frames.Intern(frame));
            for (int i = 0; i < count; i++)
            {
                profile.Samples.Add(time += 1_000_000, stack, 0, 0);
            }
        }
        return profile;
    }

    public static FrameInfo Managed(string name) => new(name, "App", FrameKind.Managed);
    public static FrameInfo Native(string name) => new(name, "libapp.so", FrameKind.Native);
    public static FrameInfo Kernel(string name) => new(name, KernelSymbols.KernelModule, FrameKind.Kernel);
}
