using System.CommandLine;
using PerfTestKit.Recording;

namespace PerfTestKit.Cli;

/// <summary>`perftestkit record [-F HZ] [-o perf.data] -- command...`: perf record with what .NET frames need.</summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        var frequency = new Option<int>("--frequency", "-F") { Description = "Samples per second.", DefaultValueFactory = _ => 999 };
        var output = new Option<string>("--output", "-o") { Description = "Where perf writes the recording.", DefaultValueFactory = _ => "perf.data" };
        var eventName = new Option<string>("--event", "-e") { Description = "perf event to sample.", DefaultValueFactory = _ => "cpu-clock" };
        var commandLine = new Argument<string[]>("command") { Description = "The command to record, after --.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("record", "Run a command under perf record -g -k mono, with DOTNET_PerfMapEnabled=1.")
        {
            frequency, output, eventName, commandLine,
        };
        command.SetAction(async (parse, cancellation) => (int)await RunAsync(
            new PerfRecordOptions { Frequency = parse.GetValue(frequency), OutputPath = parse.GetValue(output)!, Event = parse.GetValue(eventName)! },
            parse.GetValue(commandLine)!, cancellation));
        return command;
    }

    /// <summary>The file a command name runs (a path, or the first match on PATH), or null when there is none to execute.</summary>
    internal static string? CommandPath(string name)
    {
        static bool Executable(string path) => File.Exists(path) && (OperatingSystem.IsWindows()
            || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
        if (name.Contains('/')) return Executable(name) ? Path.GetFullPath(name) : null;
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (Executable(candidate)) return candidate;
        }
        return null;
    }

    private static async Task<ExitCode> RunAsync(PerfRecordOptions options, string[] command, CancellationToken cancellation)
    {
        if (options.Frequency <= 0)
        {
            Console.Error.WriteLine($"error: --frequency must be positive, got {options.Frequency}");
            return ExitCode.UsageError;
        }
        if (CommandPath(command[0]) is null)
        {
            Console.Error.WriteLine($"error: cannot run '{command[0]}': no such command or not executable; nothing was recorded");
            return ExitCode.RecordFailed;
        }
        var availability = await PerfProbe.CheckAsync(options.PerfPath, cancellation);
        if (!availability.IsAvailable)
        {
            Console.Error.WriteLine($"error: {availability.Message}");
            return ExitCode.PerfUnavailable;
        }
        try
        {
            using var stdout = Console.OpenStandardOutput();
            using var stderr = Console.OpenStandardError();
            var result = await PerfRecorder.RecordCommandAsync(options, command, stdout, stderr, cancellation);
            string full = Path.GetFullPath(result.OutputPath);
            if (!File.Exists(full))
            {
                Console.Error.WriteLine($"error: perf exited with {result.ExitCode} and wrote no data; nothing was recorded");
                return ExitCode.RecordFailed;
            }
            // perf exits with the recorded command's code: pass it on, as `time` does.
            Console.Out.WriteLine($"perftestkit: recorded to {full} in {result.Duration.TotalSeconds:F1} s" +
                (result.ExitCode == 0 ? "" : $"; the command exited with {result.ExitCode}"));
            Console.Out.WriteLine($"perftestkit: convert it with: perftestkit report {full} -o <dir>");
            return (ExitCode)result.ExitCode;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine($"error: could not run perf: {e.Message}");
            return ExitCode.RecordFailed;
        }
    }
}
