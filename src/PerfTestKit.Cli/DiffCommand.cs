using System.CommandLine;
using PerfTestKit.Diff;

namespace PerfTestKit.Cli;

/// <summary>`perftestkit diff BASE HEAD`: which tests got slower or faster between two runs, and which frames grew.</summary>
internal static class DiffCommand
{
    public static Command Create()
    {
        var baseRun = new Argument<string>("base") { Description = "The base run's folder (with index.html and perftestkit-stacks.json.gz), or a results folder holding one." };
        var headRun = new Argument<string>("head") { Description = "The head run's folder, likewise." };
        var output = new Option<string?>("--output", "-o") { Description = "Write diff.json, index.html and a differential flame graph per changed test into this folder." };
        var threshold = new Option<double>("--threshold") { Description = "Smallest change reported, in percent of the base (after the runs' overall speed is divided out).", DefaultValueFactory = _ => new ComparisonOptions().ThresholdPercent };
        var failOn = new Option<double?>("--fail-on-regression") { Description = "Exit with code 8 when a test got slower beyond noise by more than this percentage." };
        var command = new Command("diff", "Compare two profiled runs test by test: what got slower or faster beyond sampling noise, and the frame that grew.")
        {
            baseRun, headRun, output, threshold, failOn,
        };
        command.SetAction(parse => (int)Run(parse.GetValue(baseRun)!, parse.GetValue(headRun)!, parse.GetValue(output), parse.GetValue(threshold), parse.GetValue(failOn)));
        return command;
    }

    private static ExitCode Run(string basePath, string headPath, string? output, double threshold, double? failOn)
    {
        if (threshold < 0 || failOn < 0)
        {
            Console.Error.WriteLine("error: --threshold and --fail-on-regression are percentages, 0 or more");
            return ExitCode.UsageError;
        }
        RunStacks baseRun, headRun;
        try
        {
            baseRun = TestStacksFile.ReadRun(basePath);
            headRun = TestStacksFile.ReadRun(headPath);
        }
        catch (DirectoryNotFoundException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCode.InputNotFound;
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ExitCode.BadInput;
        }
        var diff = RunComparison.Compare(baseRun, headRun, new ComparisonOptions { ThresholdPercent = threshold });
        if (diff.Tests.Count == 0)
        {
            Console.Error.WriteLine($"error: the two runs have no test in common ({baseRun.Tests.Count} tests in {basePath}, {headRun.Tests.Count} in {headPath})");
            return ExitCode.EmptySelection;
        }
        foreach (var line in RunDiffWriter.Lines(diff)) Console.WriteLine(line);
        if (output is not null)
        {
            try
            {
                string json = RunDiffWriter.WriteFolder(diff, output);
                Console.WriteLine($"diff: {Path.GetFullPath(Path.Combine(output, "index.html"))} (and diff.json)");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: cannot write {output}: {e.Message}");
                return ExitCode.OutputNotWritable;
            }
        }
        if (failOn is { } limit && diff.Tests.FirstOrDefault(t => t.Regression && (t.ChangePercent ?? double.MaxValue) > limit) is { } worst)
        {
            Console.Error.WriteLine($"error: {worst.Key} got slower by {(worst.ChangePercent is { } c ? $"{c:F0}%" : "new samples")}, more than --fail-on-regression {limit}%");
            return ExitCode.RegressionFound;
        }
        return ExitCode.Success;
    }
}
