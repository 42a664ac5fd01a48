using PerfTestKit.Tests.Support;

namespace PerfTestKit.Tests.Cli;

/// <summary>The perftestkit command as a user runs it: a real process, real files, exit codes and messages.</summary>
public class CliTests
{
    private string _output = "";

    [SetUp]
    public void CreateOutput() => _output = Path.Combine(Recordings.Directory, $"cli-{Guid.NewGuid():N}");

    [TearDown]
    public void RemoveOutput()
    {
        if (Directory.Exists(_output)) Directory.Delete(_output, recursive: true);
    }

    [Test]
    public void Report_writes_all_three_formats_and_prints_a_summary()
    {
        var result = Perftestkit("report", Recordings.NativeFile, "-o", _output);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StandardError);
        Assert.That(Directory.GetFiles(_output).Select(Path.GetFileName), Is.EquivalentTo(new[] { "flamegraph.html", "profile.gecko.json", "stacks.folded" }));
        Assert.That(result.StandardOutput, Does.Contain("samples:").And.Contain("leaf_add").And.Contain("lost:"));
    }

    [Test]
    public void Report_format_narrows_the_files_written()
    {
        var result = Perftestkit("report", Recordings.NativeFile, "-o", _output, "--format", "folded");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StandardError);
        Assert.That(Directory.GetFiles(_output).Select(Path.GetFileName), Is.EqualTo(new[] { "stacks.folded" }));
    }

    [Test]
    public void Report_slices_by_time_window()
    {
        var whole = Perftestkit("report", Recordings.NativeFile, "-o", _output, "--format", "folded");
        var part = Perftestkit("report", Recordings.NativeFile, "-o", _output + "-part", "--format", "folded", "--from", "0.1", "--to", "0.2");
        try
        {
            Assert.That(part.ExitCode, Is.EqualTo(0), part.StandardError);
            int Samples(string dir) => File.ReadAllLines(Path.Combine(dir, "stacks.folded")).Sum(l => int.Parse(l[(l.LastIndexOf(' ') + 1)..]));
            // The window is [first + 0.1 s, first + 0.2 s]; perf's own sample times say how many lie in it (the
            // recording's rate depends on how busy the machine was, so no fixed count).
            var times = PerfScriptOracle.SampleTimesNs(Recordings.NativeFile);
            ulong first = times.Min();
            int expected = times.Count(t => t >= first + 100_000_000 && t <= first + 200_000_000);
            Assert.That(expected, Is.GreaterThan(0));
            Assert.That(Samples(_output + "-part"), Is.EqualTo(expected), "the samples perf script shows in that window");
            Assert.That(Samples(_output), Is.EqualTo(times.Count), "the whole recording");
        }
        finally
        {
            Directory.Delete(_output + "-part", recursive: true);
        }
    }

    /// <summary>A missing file, a file that is not a recording, and a directory: each said plainly, with its own code.</summary>
    [TestCase("missing", 2, "no such file")]
    [TestCase("foreign", 3, "not a perf.data file")]
    [TestCase("directory", 3, "is a directory, not a perf.data file")]
    public void A_bad_input_is_a_clear_error_without_a_stack_trace(string input, int code, string message)
    {
        string path = input switch { "missing" => "/nonexistent/perf.data", "foreign" => Recordings.NativeBinary, _ => Recordings.Directory };
        var result = Perftestkit("report", path, "-o", _output);
        Assert.That(result.ExitCode, Is.EqualTo(code));
        Assert.That(result.StandardError, Does.Contain(message));
        AssertNoStackTrace(result);
    }

    [Test]
    public void A_truncated_header_is_a_clear_error_without_a_stack_trace()
    {
        string cut = Path.Combine(Recordings.Directory, $"cut-{Guid.NewGuid():N}.data");
        File.WriteAllBytes(cut, File.ReadAllBytes(Recordings.NativeFile)[..50]);
        var result = Perftestkit("report", cut, "-o", _output);
        File.Delete(cut);
        Assert.That(result.ExitCode, Is.EqualTo(3));
        Assert.That(result.StandardError, Does.Contain("error:"));
        AssertNoStackTrace(result);
    }

    [Test]
    public void An_unknown_format_is_a_usage_error()
    {
        var result = Perftestkit("report", Recordings.NativeFile, "-o", _output, "--format", "html,svg");
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StandardError, Does.Contain("unknown format 'svg'"));
    }

    [Test]
    public void Record_runs_the_command_under_perf_with_the_dotnet_variables_and_says_where_the_data_went()
    {
        string data = Path.Combine(Recordings.Directory, $"record-{Guid.NewGuid():N}.data");
        var result = Perftestkit("record", "-F", "499", "-o", data, "--", "sh", "-c",
            $"echo PerfMap=$DOTNET_PerfMapEnabled/$DOTNET_PerfMapStubGranularity; {Recordings.NativeBinary} 300");
        try
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.StandardError);
            Assert.That(result.StandardOutput, Does.Contain("PerfMap=1/2"));
            Assert.That(result.StandardOutput, Does.Contain($"recorded to {data}"));
            var profile = PerfTestKit.Model.ProfileLoader.Load(data);
            Assert.That(profile.Session.CommandLine, Does.Contain("-g").And.Contain("mono").And.Contain("cpu-clock").And.Contain("499"));
            Assert.That(profile.SampleCount, Is.GreaterThan(50));
        }
        finally
        {
            File.Delete(data);
        }
    }

    [Test]
    public void An_unknown_command_says_so_first()
    {
        var result = Perftestkit("frobnicate");
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.StandardError.Split('\n')[0], Does.StartWith("error: unknown command 'frobnicate'").And.Contain("report, record, serve"));
    }

    [TestCase(new[] { "--from", "5", "--to", "1" }, 1, "is not before --to 1")]
    [TestCase(new[] { "--pid", "999999" }, 7, "no sample matches the selection (--pid 999999)")]
    [TestCase(new[] { "--from", "3600" }, 7, "no sample matches the selection (--from 3600)")]
    public void A_selection_that_keeps_no_sample_is_an_error_with_its_own_code(string[] selection, int code, string message)
    {
        var result = Perftestkit(new[] { "report", Recordings.NativeFile, "-o", _output }.Concat(selection).ToArray());
        Assert.That(result.ExitCode, Is.EqualTo(code), result.StandardError);
        Assert.That(result.StandardError, Does.Contain(message));
        Assert.That(Directory.Exists(_output), Is.False, "no empty report is written");
        AssertNoStackTrace(result);
    }

    [Test]
    public void An_output_folder_that_cannot_be_written_has_its_own_code()
    {
        var result = Perftestkit("report", Recordings.NativeFile, "-o", "/proc/perftestkit-cannot-write-here");
        Assert.That(result.ExitCode, Is.EqualTo(6));
        Assert.That(result.StandardError, Does.Contain("cannot write the report to /proc/perftestkit-cannot-write-here"));
        AssertNoStackTrace(result);
    }

    [TestCase("false", 1)]
    [TestCase("exit 7", 7)]
    public void Record_returns_the_recorded_commands_exit_code(string script, int code)
    {
        string data = Path.Combine(Recordings.Directory, $"record-{Guid.NewGuid():N}.data");
        var result = Perftestkit("record", "-o", data, "--", "sh", "-c", script);
        try
        {
            Assert.That(result.ExitCode, Is.EqualTo(code), result.StandardError);
            Assert.That(result.StandardOutput, Does.Contain($"recorded to {data}").And.Contain($"the command exited with {code}"));
        }
        finally
        {
            File.Delete(data);
        }
    }

    [Test]
    public void Record_of_a_command_that_does_not_exist_records_nothing_and_says_so()
    {
        string data = Path.Combine(Recordings.Directory, $"record-{Guid.NewGuid():N}.data");
        var result = Perftestkit("record", "-o", data, "--", "/nonexistent/command");
        Assert.That(result.ExitCode, Is.EqualTo(5));
        Assert.That(result.StandardError, Does.Contain("cannot run '/nonexistent/command'").And.Contain("nothing was recorded"));
        Assert.That(result.StandardOutput, Does.Not.Contain("convert it with"));
        Assert.That(File.Exists(data), Is.False);
    }

    private static void AssertNoStackTrace(ProcessRunner.Result result)
    {
        Assert.That(result.StandardError + result.StandardOutput, Does.Not.Contain("   at ").And.Not.Contain("Exception"));
    }

    private static ProcessRunner.Result Perftestkit(params string[] args)
    {
        string tool = Path.Combine(TestContext.CurrentContext.TestDirectory, "perftestkit.dll");
        return ProcessRunner.Run("dotnet", new[] { tool }.Concat(args), timeout: TimeSpan.FromMinutes(2));
    }
}
