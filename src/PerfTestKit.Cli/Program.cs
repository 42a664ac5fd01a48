using System.CommandLine;
using PerfTestKit.Cli;

var root = new RootCommand("PerfTestKit: Linux perf profiles for .NET, as flame graphs and Firefox Profiler files.")
{
    ReportCommand.Create(),
    RecordCommand.Create(),
    ServeCommand.Create(),
    DiffCommand.Create(),
};
// An unknown verb: say so first, not after System.CommandLine's "Required command was not provided".
string[] verbs = root.Subcommands.Select(c => c.Name).ToArray();
if (args.Length > 0 && !args[0].StartsWith('-') && !verbs.Contains(args[0]))
{
    Console.Error.WriteLine($"error: unknown command '{args[0]}' (commands: {string.Join(", ", verbs)}; see perftestkit --help)");
    return (int)ExitCode.UsageError;
}
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    // Never a stack trace: say what failed in one line.
    Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
    return (int)ExitCode.BadInput;
}
