using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml.Linq;

namespace PerfTestKit.Collector.Tests;

/// <summary>
/// The `perftestkit` tool as a user gets it: scripts/pack-tool into a local feed, `dotnet tool install` into a tool
/// path. On linux-x64 that must install the native AOT executable, and it must convert real recordings (a C program,
/// and a .NET process it recorded itself) to the same files as the framework-dependent build in the same feed.
/// </summary>
public class ToolPackageTests
{
    private static readonly string Version = $"0.1.0-tool{DateTime.UtcNow:yyyyMMddHHmmss}";
    private string _root = "";
    private string _feed = "";
    private string _installed = "";
    private string _frameworkDependentDll = "";
    private string _nativeRecording = "";
    private string _dotnetRecording = "";
    private int _recordedDotnetPid;

    [OneTimeSetUp]
    public void PackInstallAndRecord()
    {
        Assume.That(RuntimeInformation.OSArchitecture, Is.EqualTo(Architecture.X64), "the native tool package is built for linux-x64");
        _root = Directory.CreateTempSubdirectory("perftestkit-tool-").FullName;
        _feed = Path.Combine(_root, "feed");

        var pack = Run("bash", new[] { Path.Combine(SampleTestProjects.RepositoryRoot(), "scripts", "pack-tool"), _feed, Version }, _root);
        Assert.That(pack.ExitCode, Is.EqualTo(0), $"scripts/pack-tool failed:\n{pack.Output}");
        TestContext.Progress.WriteLine($"pack-tool: {pack.Elapsed.TotalSeconds:F1} s");

        // Only the feed: nothing may come from nuget.org under this name.
        string config = Path.Combine(_root, "nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="tool-feed" value="{_feed}" />
              </packageSources>
            </configuration>
            """);
        string toolPath = Path.Combine(_root, "tools");
        var install = Run("dotnet", new[] { "tool", "install", "PerfTestKit.Cli", "--tool-path", toolPath, "--configfile", config, "--version", Version }, _root);
        Assert.That(install.ExitCode, Is.EqualTo(0), $"dotnet tool install failed:\n{install.Output}");
        TestContext.Progress.WriteLine($"dotnet tool install: {install.Elapsed.TotalSeconds:F1} s");
        _installed = Path.Combine(toolPath, "perftestkit");

        // The framework-dependent build to compare with: the feed's `any` package, run with `dotnet`.
        string anyPackage = Path.Combine(_feed, $"PerfTestKit.Cli.any.{Version}.nupkg");
        Assert.That(File.Exists(anyPackage), Is.True, $"no framework-dependent package in {_feed}");
        ZipFile.ExtractToDirectory(anyPackage, Path.Combine(_root, "any"));
        _frameworkDependentDll = Path.Combine(_root, "any", "tools", "net8.0", "any", "perftestkit.dll");

        _nativeRecording = RecordNativeWorkload();
        (_dotnetRecording, _recordedDotnetPid) = RecordDotnetWithTheInstalledTool();
    }

    [OneTimeTearDown]
    public void RemoveEverything()
    {
        if (_recordedDotnetPid != 0)
        {
            foreach (var file in new[] { $"/tmp/perf-{_recordedDotnetPid}.map", $"/tmp/jit-{_recordedDotnetPid}.dump", $"/tmp/perfinfo-{_recordedDotnetPid}.map" })
            {
                File.Delete(file);
            }
        }
        if (_root.Length > 0)
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        }
    }

    [Test]
    public void The_feed_holds_a_pointer_package_naming_a_native_linux_x64_package_and_a_framework_dependent_fallback()
    {
        Assert.That(Directory.GetFiles(_feed).Select(Path.GetFileName), Is.EquivalentTo(new[]
        {
            $"PerfTestKit.Cli.{Version}.nupkg", $"PerfTestKit.Cli.linux-x64.{Version}.nupkg", $"PerfTestKit.Cli.any.{Version}.nupkg",
        }));
        var pointer = ToolSettings($"PerfTestKit.Cli.{Version}.nupkg");
        Assert.That(pointer.Descendants("RuntimeIdentifierPackage").Select(p => ((string?)p.Attribute("RuntimeIdentifier"), (string?)p.Attribute("Id"))),
            Is.EquivalentTo(new[] { ("linux-x64", "PerfTestKit.Cli.linux-x64"), ("any", "PerfTestKit.Cli.any") }));
        Assert.That(ToolSettings($"PerfTestKit.Cli.linux-x64.{Version}.nupkg").Descendants("Command").Single().Attribute("Runner")?.Value, Is.EqualTo("executable"));
        Assert.That(ToolSettings($"PerfTestKit.Cli.any.{Version}.nupkg").Descendants("Command").Single().Attribute("Runner")?.Value, Is.EqualTo("dotnet"));
    }

    [Test]
    public void Installing_on_linux_x64_gives_the_native_AOT_executable_with_no_managed_assembly_or_dotnet_host()
    {
        string target = new FileInfo(_installed).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? _installed;
        byte[] bytes = File.ReadAllBytes(target);
        Assert.That(bytes[..4], Is.EqualTo(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }), $"{target} is not an ELF file");
        // An apphost loads libhostfxr to find the runtime and then perftestkit.dll; a native AOT executable has no such string.
        Assert.That(Encoding.ASCII.GetString(bytes), Does.Not.Contain("libhostfxr"), $"{target} is a .NET apphost");
        Assert.That(bytes, Has.Length.GreaterThan(2_000_000), "the whole program and its runtime, compiled");
        string store = Path.Combine(Path.GetDirectoryName(_installed)!, ".store");
        Assert.That(Directory.GetFiles(store, "*.dll", SearchOption.AllDirectories), Is.Empty, "no managed assemblies were installed");

        // The runtime's host traces itself with COREHOST_TRACE=1 (the framework-dependent tool does); a native executable has no host.
        var help = Run(_installed, new[] { "--help" }, _root, new Dictionary<string, string> { ["COREHOST_TRACE"] = "1" });
        Assert.That(help.ExitCode, Is.EqualTo(0), help.Output);
        Assert.That(help.Output, Does.Contain("report").And.Not.Contain("Tracing enabled"));
    }

    [Test]
    public void The_native_tool_converts_a_recording_of_a_C_program_as_the_framework_dependent_one_does() =>
        AssertSameReports(_nativeRecording, "leaf_add");

    [Test]
    public void The_native_tool_converts_a_recording_of_jitted_dotnet_code_as_the_framework_dependent_one_does() =>
        AssertSameReports(_dotnetRecording, "PerfTestKit.Cli.ReportCommand::Run(");

    private void AssertSameReports(string recording, string expectedFrame)
    {
        string native = Path.Combine(_root, "report-native-" + Path.GetFileNameWithoutExtension(recording));
        string jit = Path.Combine(_root, "report-jit-" + Path.GetFileNameWithoutExtension(recording));
        var nativeRun = Run(_installed, new[] { "report", recording, "-o", native }, _root);
        var jitRun = Run("dotnet", new[] { _frameworkDependentDll, "report", recording, "-o", jit }, _root);
        TestContext.Out.WriteLine($"report {Path.GetFileName(recording)}: native AOT {nativeRun.Elapsed.TotalSeconds:F2} s, dotnet perftestkit.dll {jitRun.Elapsed.TotalSeconds:F2} s");
        Assert.That(nativeRun.ExitCode, Is.EqualTo(0), nativeRun.Output);
        Assert.That(jitRun.ExitCode, Is.EqualTo(0), jitRun.Output);

        string[] files = { "flamegraph.html", "profile.gecko.json", "stacks.folded" };
        Assert.That(Directory.GetFiles(native).Select(Path.GetFileName), Is.EquivalentTo(files));
        string folded = File.ReadAllText(Path.Combine(native, "stacks.folded"));
        Assert.That(folded, Does.Contain(expectedFrame), "the recording's hot code is named");
        Assert.Multiple(() =>
        {
            foreach (var file in files)
            {
                Assert.That(File.ReadAllBytes(Path.Combine(native, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(jit, file))), $"{file} differs");
            }
        });
    }

    /// <summary>The repository's C workload (hot functions leaf_add and leaf_mul), built with frame pointers and recorded by perf.</summary>
    private string RecordNativeWorkload()
    {
        string binary = Path.Combine(_root, "spin");
        var cc = Run("cc", new[] { "-O0", "-g", "-fno-omit-frame-pointer", "-fno-inline", "-o", binary,
            Path.Combine(SampleTestProjects.RepositoryRoot(), "tests", "Workloads", "native", "spin.c") }, _root);
        Assert.That(cc.ExitCode, Is.EqualTo(0), $"cc failed:\n{cc.Output}");
        string output = Path.Combine(_root, "native.data");
        var perf = Run("perf", new[] { "record", "-q", "-g", "-k", "mono", "-e", "cpu-clock", "-F", "999", "-o", output, "--", binary, "600" }, _root);
        Assert.That(perf.ExitCode, Is.EqualTo(0), $"perf record failed:\n{perf.Output}");
        return output;
    }

    /// <summary>
    /// `perftestkit record` of the installed tool, recording the framework-dependent tool converting the C recording:
    /// jitted code named by the perf map of a process whose pid the shell writes before it becomes dotnet.
    /// </summary>
    private (string Path, int Pid) RecordDotnetWithTheInstalledTool()
    {
        string output = Path.Combine(_root, "dotnet.data");
        string pidFile = Path.Combine(_root, "dotnet.pid");
        string script = $"echo $$ > '{pidFile}' && exec dotnet '{_frameworkDependentDll}' report '{_nativeRecording}' -o '{Path.Combine(_root, "recorded-run")}'";
        var record = Run(_installed, new[] { "record", "-F", "999", "-o", output, "--", "sh", "-c", script }, _root);
        int pid = File.Exists(pidFile) ? int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;
        Assert.That(record.ExitCode, Is.EqualTo(0), $"perftestkit record failed:\n{record.Output}");
        Assert.That(File.Exists($"/tmp/perf-{pid}.map"), Is.True, "the recorded dotnet process wrote a perf map");
        return (output, pid);
    }

    private XDocument ToolSettings(string package)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(_feed, package));
        var entry = zip.Entries.Single(e => e.Name == "DotnetToolSettings.xml");
        using var stream = entry.Open();
        return XDocument.Load(stream);
    }

    private static ChildProcessResult Run(string file, IEnumerable<string> args, string workingDirectory, IDictionary<string, string>? environment = null) =>
        ChildProcess.Run(file, args, workingDirectory, environment, TimeSpan.FromMinutes(20)); // a hang guard: packing native AOT takes minutes on a busy machine
}
