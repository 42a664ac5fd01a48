using PerfTestKit.Model;

namespace PerfTestKit.Writers;

/// <summary>The one-screen text summary the CLI prints: samples, lost, threads, top frames.</summary>
public static class SummaryWriter
{
    public static void Write(ProfileView view, TextWriter output, int topFrames = 15)
    {
        var profile = view.Profile;
        var session = profile.Session;
        if (session.CommandLine.Count > 0) output.WriteLine($"command:  {string.Join(' ', session.CommandLine)}");
        if (session.Hostname is { } host) output.WriteLine($"host:     {host}");
        output.WriteLine($"event:    {string.Join(", ", profile.Events.Select(e => e.Name))}");
        output.WriteLine($"samples:  {view.SampleCount:N0} over {view.DurationSeconds:F3} s, {view.ThreadCount} thread(s)");
        output.WriteLine($"lost:     {profile.LostEvents:N0} event(s), {profile.LostSamples:N0} sample(s)");
        foreach (var warning in profile.Warnings) output.WriteLine($"warning:  {warning}");
        if (view.SampleCount == 0) return;
        output.WriteLine();
        output.WriteLine("  self%  total%  frame");
        foreach (var cost in view.TopFrames(topFrames))
        {
            var frame = profile.Frames[cost.Frame];
            double self = 100.0 * cost.Self / view.SampleCount, total = 100.0 * cost.Total / view.SampleCount;
            output.WriteLine($"{self,7:F2} {total,7:F2}  {Clip(frame.Location, 110)}");
        }
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
