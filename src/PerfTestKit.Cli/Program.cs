using System.CommandLine;
using PerfTestKit.Cli;

var root = new RootCommand("PerfTestKit: Linux perf profiles for .NET, as flame graphs and Firefox Profiler files.")
{
    ReportCommand.Create(),
    RecordCommand.Create(),
    ServeCommand.Create(),
};
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
