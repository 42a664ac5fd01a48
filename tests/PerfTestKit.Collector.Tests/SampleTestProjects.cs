using System.Diagnostics;
using System.Text;

namespace PerfTestKit.Collector.Tests;

/// <summary>
/// Packs PerfTestKit into a local feed once, and writes fresh test projects outside the repository that reference
/// it the way a user would: an NUnit and an xUnit project with one test calling HotAlpha and one calling HotBeta.
/// </summary>
internal static class SampleTestProjects
{
    public static readonly string Version = $"0.1.0-e2e{DateTime.UtcNow:yyyyMMddHHmmss}";
    public static readonly string Root = Directory.CreateTempSubdirectory("perftestkit-e2e-").FullName;
    private static readonly Lazy<string> FeedLazy = new(Pack);

    public static string Feed => FeedLazy.Value;

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    /// <summary>
    /// Members for a generated test class: burning "ms" means that much of the thread's own CPU time (at most three
    /// times as long on the clock), so that a test's sample count does not depend on how busy the machine is: a
    /// 300 ms test had 95 samples, not 300, beside two other builds. Runs of more than 10 s are timed on the clock.
    /// </summary>
    public const string CpuClock = """
            [System.Runtime.InteropServices.DllImport("libc")] private static extern int clock_gettime(int clock, out Timespec time);
            private struct Timespec { public long Seconds; public long Nanoseconds; }
            private static long CpuMs() { clock_gettime(3, out var t); return t.Seconds * 1000 + t.Nanoseconds / 1_000_000; }
            private static bool Burning(System.Diagnostics.Stopwatch clock, long cpuEnd, int ms) =>
                ms > 10_000 ? clock.ElapsedMilliseconds < ms : clock.ElapsedMilliseconds < 3L * ms && CpuMs() < cpuEnd;
        """;

    public const string TestsCode = """
        using System.Runtime.CompilerServices;
        public class HotTests
        {
            [MethodImpl(MethodImplOptions.NoInlining)]
            public static long HotAlpha(int ms) { var sw = System.Diagnostics.Stopwatch.StartNew(); long end = CpuMs() + ms; long x = 0; while (Burning(sw, end, ms)) for (int i = 0; i < 100_000; i++) x += i * 3 ^ x; return x; }
            [MethodImpl(MethodImplOptions.NoInlining)]
            public static long HotBeta(int ms) { var sw = System.Diagnostics.Stopwatch.StartNew(); long end = CpuMs() + ms; long x = 1; while (Burning(sw, end, ms)) for (int i = 0; i < 100_000; i++) x = x * 31 + i; return x; }
        """ + CpuClock;

    /// <summary>
    /// Creates a test project; <paramref name="framework"/> is "nunit" or "xunit" (VSTest), or "nunit-mtp" or
    /// "mstest-mtp": a Microsoft.Testing.Platform application in a folder whose global.json makes `dotnet test` run
    /// it on the platform (NUnit3TestAdapter 5.2 brings MTP 1.x, MSTest 4 brings MTP 2.x).
    /// </summary>
    public static string Create(string name, string framework, bool perfProfileProperty, string extraTests = "")
    {
        string dir = CreateProject(name, framework, perfProfileProperty);
        bool mstest = framework.StartsWith("mstest", StringComparison.Ordinal);
        string attribute = framework.StartsWith("nunit", StringComparison.Ordinal) ? "[NUnit.Framework.Test]"
            : mstest ? "[Microsoft.VisualStudio.TestTools.UnitTesting.TestMethod]" : "[Xunit.Fact]";
        string check = framework.StartsWith("nunit", StringComparison.Ordinal) ? "NUnit.Framework.Assert.That(v, NUnit.Framework.Is.Not.EqualTo(42))"
            : mstest ? "Microsoft.VisualStudio.TestTools.UnitTesting.Assert.AreNotEqual(42L, v)" : "Xunit.Assert.NotEqual(42, v)";
        string code = mstest ? TestsCode.Replace("public class HotTests", "[Microsoft.VisualStudio.TestTools.UnitTesting.TestClass]\npublic class HotTests", StringComparison.Ordinal) : TestsCode;
        File.WriteAllText(Path.Combine(dir, "HotTests.cs"), code + $$"""

                {{attribute}} public void Uses_alpha() { var v = HotAlpha(300); {{check}}; }
                {{attribute}} public void Uses_beta() { var v = HotBeta(300); {{check}}; }
            {{extraTests}}
            }
            """);
        return dir;
    }

    /// <summary>A test project as <see cref="Create"/> makes it, with <paramref name="code"/> as its only source file.</summary>
    public static string CreateWithCode(string name, string framework, string code)
    {
        string dir = CreateProject(name, framework, perfProfileProperty: true);
        File.WriteAllText(Path.Combine(dir, "Tests.cs"), code);
        return dir;
    }

    private static string CreateProject(string name, string framework, bool perfProfileProperty)
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="perftestkit-local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        string packages = framework switch
        {
            "nunit" => """<PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.11.0" /><PackageReference Include="NUnit" Version="4.4.0" /><PackageReference Include="NUnit3TestAdapter" Version="5.2.0" />""",
            "xunit" => """<PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.11.0" /><PackageReference Include="xunit" Version="2.9.3" /><PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />""",
            "nunit-mtp" => """<PackageReference Include="NUnit" Version="4.4.0" /><PackageReference Include="NUnit3TestAdapter" Version="5.2.0" />""",
            "mstest-mtp" => """<PackageReference Include="MSTest" Version="4.5.2" />""",
            _ => throw new ArgumentException($"unknown test framework {framework}", nameof(framework)),
        };
        string runner = framework switch
        {
            "nunit-mtp" => "<OutputType>Exe</OutputType><EnableNUnitRunner>true</EnableNUnitRunner>",
            "mstest-mtp" => "<OutputType>Exe</OutputType><EnableMSTestRunner>true</EnableMSTestRunner>",
            _ => "",
        };
        if (runner.Length > 0)
        {
            File.WriteAllText(Path.Combine(dir, "global.json"), """{ "test": { "runner": "Microsoft.Testing.Platform" } }""");
        }
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                {runner}
                {(perfProfileProperty ? "<PerfProfile>true</PerfProfile>" : "")}
              </PropertyGroup>
              <ItemGroup>
                {packages}
                <PackageReference Include="PerfTestKit" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        return dir;
    }

    /// <summary>
    /// <paramref name="count"/> cases of one test method (Z_short) that each do far less than a sampling period of work,
    /// for <paramref name="framework"/>'s test class.
    /// </summary>
    public static string ShortTests(string framework, int count)
    {
        var cases = Enumerable.Range(1, count);
        return framework switch
        {
            "nunit" or "nunit-mtp" => string.Concat(cases.Select(n => $"[NUnit.Framework.TestCase({n})] ")) +
                "public void Z_short(int n) => NUnit.Framework.Assert.That(n.ToString(System.Globalization.CultureInfo.InvariantCulture), NUnit.Framework.Is.Not.Empty);",
            "xunit" => "[Xunit.Theory] " + string.Concat(cases.Select(n => $"[Xunit.InlineData({n})] ")) +
                "public void Z_short(int n) => Xunit.Assert.NotEmpty(n.ToString(System.Globalization.CultureInfo.InvariantCulture));",
            _ => throw new ArgumentException($"no short tests for {framework}", nameof(framework)),
        };
    }

    public sealed record RunResult(int ExitCode, string Output, string ResultsDirectory);

    /// <summary>`dotnet test` in a project folder, with a TRX logger and its own results folder.</summary>
    public static RunResult DotnetTest(string projectDir, IEnumerable<string> extraArgs, IDictionary<string, string>? environment = null)
    {
        string results = Path.Combine(projectDir, "TestResults");
        if (Directory.Exists(results)) Directory.Delete(results, recursive: true);
        var args = new List<string> { "test", "--logger", "trx", "--results-directory", results };
        args.AddRange(extraArgs);
        var (code, output) = Run("dotnet", args, projectDir, environment);
        TestContext.Out.WriteLine(output);
        return new RunResult(code, output, results);
    }

    /// <summary>
    /// `dotnet test` of a Microsoft.Testing.Platform project (its global.json selects the platform), with its own
    /// results folder; the files the run reports as artifacts are read off its output.
    /// </summary>
    public static (RunResult Run, List<string> Artifacts) DotnetTestOnTestingPlatform(string projectDir, IEnumerable<string> extraArgs, IDictionary<string, string>? environment = null)
    {
        string results = Path.Combine(projectDir, "TestResults");
        if (Directory.Exists(results)) Directory.Delete(results, recursive: true);
        var args = new List<string> { "test", "--results-directory", results };
        args.AddRange(extraArgs);
        var (code, output) = Run("dotnet", args, projectDir, environment);
        TestContext.Out.WriteLine(output);
        // "  In process file artifacts produced:" then one "    - PATH" per file.
        var artifacts = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("- /", StringComparison.Ordinal)).Select(l => l[2..]).ToList();
        return (new RunResult(code, output, results), artifacts);
    }

    private static string Pack()
    {
        string feed = Path.Combine(Root, "feed");
        string project = Path.Combine(RepositoryRoot(), "src", "PerfTestKit.Package", "PerfTestKit.Package.csproj");
        // --no-build: the solution's build made the collector already; rebuilding it here with another version
        // would replace assemblies that other test projects are using.
        var (code, output) = Run("dotnet", new[] { "pack", project, "--no-build", "-c", Configuration, "-o", feed, $"-p:Version={Version}" }, Root, null);
        Assert.That(code, Is.EqualTo(0), $"dotnet pack failed:\n{output}");
        return feed;
    }

    /// <summary>Removes the projects and this run's copy of the package from the NuGet cache.</summary>
    public static void CleanUp()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        string cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "perftestkit", Version);
        try { if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true); } catch (IOException) { }
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PerfTestKit.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("PerfTestKit.sln not found");
    }

    private static (int Code, string Output) Run(string file, IEnumerable<string> args, string workingDirectory, IDictionary<string, string>? environment)
    {
        var result = ChildProcess.Run(file, args, workingDirectory, environment);
        return (result.ExitCode, result.Output);
    }
}
