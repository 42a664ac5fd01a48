using System.Text.Json;

namespace PerfTestKit.Collector.Tests;

/// <summary>
/// Tests that run in parallel in one host, under the real `dotnet test`: each test's flame graph and Gecko profile
/// hold its own hot method and no other test's, and the work a test hands to the thread pool is its own. Then the
/// sequential cases that share a method: parameterised cases and a test inherited by two classes.
/// </summary>
public class ParallelAttributionTests
{
    // Appended after each project's tests (their assembly attributes and usings must come first).
    private const string HotCode = """

        public static class Hot
        {
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
            public static long Burn(int ms, int salt) { var sw = System.Diagnostics.Stopwatch.StartNew(); long end = CpuMs() + ms; long x = salt; while (Burning(sw, end, ms)) for (int i = 0; i < 100_000; i++) x += i * 3 ^ x; return x; }
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)] public static long HotFirst(int ms) => Burn(ms, 1);
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)] public static long HotSecond(int ms) => Burn(ms, 2);
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)] public static long HotThird(int ms) => Burn(ms, 3);
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)] public static long HotBase(int ms) => Burn(ms, 4);
            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)] public static long SetUpWork(int ms) => Burn(ms, 5);
        """ + SampleTestProjects.CpuClock + """
        }
        """;

    private static readonly string[] HotMethods = { "HotFirst", "HotSecond", "HotThird" };

    [Test]
    public void XUnit_classes_in_parallel_each_get_their_own_hot_method_and_the_Task_Run_work()
    {
        string project = SampleTestProjects.CreateWithCode("ParallelXUnit", "xunit", """
            public class FirstTests { [Xunit.Fact] public void First() => Xunit.Assert.NotEqual(42, Hot.HotFirst(1000)); }
            public class SecondTests { [Xunit.Fact] public void Second() => Xunit.Assert.NotEqual(42, Hot.HotSecond(1000)); }
            public class ThirdTests { [Xunit.Fact] public async Task Third() { int ms = 1000; var v = await Task.Run(() => Hot.HotThird(ms)); Xunit.Assert.NotEqual(42, v); } }
            """ + HotCode);
        var run = SampleTestProjects.DotnetTest(project, new[] { "-c", "Release" });
        AssertEachTestHoldsOnlyItsOwn(run, new Dictionary<string, string> { ["First"] = "HotFirst", ["Second"] = "HotSecond", ["Third"] = "HotThird" });
    }

    [Test]
    public void NUnit_tests_with_ParallelScope_All_each_get_their_own_hot_method_and_the_Task_Run_work()
    {
        string project = SampleTestProjects.CreateWithCode("ParallelNUnit", "nunit", """
            [assembly: NUnit.Framework.LevelOfParallelism(3)]
            [NUnit.Framework.Parallelizable(NUnit.Framework.ParallelScope.All)]
            public class ParallelTests
            {
                [NUnit.Framework.Test] public void First() => NUnit.Framework.Assert.That(Hot.HotFirst(1000), NUnit.Framework.Is.Not.EqualTo(42));
                [NUnit.Framework.Test] public void Second() => NUnit.Framework.Assert.That(Hot.HotSecond(1000), NUnit.Framework.Is.Not.EqualTo(42));
                [NUnit.Framework.Test] public async Task Third() { int ms = 1000; var v = await Task.Run(() => Hot.HotThird(ms)); NUnit.Framework.Assert.That(v, NUnit.Framework.Is.Not.EqualTo(42)); }
            }
            """ + HotCode);
        var run = SampleTestProjects.DotnetTest(project, new[] { "-c", "Release" });
        AssertEachTestHoldsOnlyItsOwn(run, new Dictionary<string, string> { ["First"] = "HotFirst", ["Second"] = "HotSecond", ["Third"] = "HotThird" });
    }

    [Test]
    public void MSTest_on_the_platform_with_Parallelize_each_get_their_own_hot_method_and_the_Task_Run_work()
    {
        string project = SampleTestProjects.CreateWithCode("ParallelMSTest", "mstest-mtp", """
            using Microsoft.VisualStudio.TestTools.UnitTesting;
            [assembly: Parallelize(Workers = 3, Scope = ExecutionScope.MethodLevel)]
            [TestClass]
            public class ParallelTests
            {
                [TestMethod] public void First() => Assert.AreNotEqual(42L, Hot.HotFirst(1000));
                [TestMethod] public void Second() => Assert.AreNotEqual(42L, Hot.HotSecond(1000));
                [TestMethod] public async Task Third() { int ms = 1000; var v = await Task.Run(() => Hot.HotThird(ms)); Assert.AreNotEqual(42L, v); }
            }
            """ + HotCode);
        var (run, _) = SampleTestProjects.DotnetTestOnTestingPlatform(project, new[] { "-c", "Release" });
        AssertEachTestHoldsOnlyItsOwn(run, new Dictionary<string, string> { ["First"] = "HotFirst", ["Second"] = "HotSecond", ["Third"] = "HotThird" }, consoleReport: false);
    }

    /// <summary>
    /// Run one after another: consecutive cases of one method that burn different methods each hold only their own,
    /// and a test declared on a base class, run through two derived classes, has its samples in both. The cases have
    /// a set-up of a few milliseconds: the samples can tell two cases of one method apart only where a sample caught
    /// their thread outside the method between them (the front end's reports come too late to: the first tests'
    /// ends were seen reported 400 ms late). Cases run back to back with less than a sampling period between them
    /// are the stated limit (README).
    /// </summary>
    [Test]
    public void Sequential_cases_of_one_method_are_told_apart_and_an_inherited_test_has_its_samples_in_both_classes()
    {
        string project = SampleTestProjects.CreateWithCode("CasesAndInherited", "nunit", """
            public class CaseTests
            {
                [NUnit.Framework.SetUp] public void SetUp() => Hot.SetUpWork(5);
                [NUnit.Framework.TestCase(1)]
                [NUnit.Framework.TestCase(2)]
                public void Case(int n) => NUnit.Framework.Assert.That(n == 1 ? Hot.HotFirst(400) : Hot.HotSecond(400), NUnit.Framework.Is.Not.EqualTo(42));
            }
            public abstract class BaseTests
            {
                [NUnit.Framework.Test] public void Inherited() => NUnit.Framework.Assert.That(Hot.HotBase(300), NUnit.Framework.Is.Not.EqualTo(42));
            }
            public class DerivedA : BaseTests { }
            public class DerivedB : BaseTests { }
            """ + HotCode);
        // The formats as a command line gives them: MSBuild splits -p values at commas, so '+'.
        var run = SampleTestProjects.DotnetTest(project, new[] { "-c", "Release", "-p:PerfProfileFormats=html+gecko+folded" });
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        var folder = RunFolder.LoadSingle(run.ResultsDirectory);
        Assert.That(Warnings(folder), Has.None.Contains("in parallel"), "these tests ran one after another");
        Assert.That(Directory.GetFiles(folder.Directory, "*.folded", SearchOption.AllDirectories), Is.Not.Empty, "html+gecko+folded was read as three formats");

        var one = folder.Rows.Single(r => r.Name == "Case(1)");
        var two = folder.Rows.Single(r => r.Name == "Case(2)");
        AssertHolds(one, "HotFirst", "HotSecond");
        AssertHolds(two, "HotSecond", "HotFirst");
        foreach (string type in new[] { "DerivedA", "DerivedB" })
        {
            var inherited = folder.Rows.Single(r => r.FullName == $"{type}.Inherited");
            Assert.That(inherited.Samples, Is.GreaterThanOrEqualTo(100), $"{type}.Inherited: frames name BaseTests, the test's name {type}");
            AssertHolds(inherited, "HotBase", "HotFirst");
        }
    }

    /// <param name="consoleReport">Whether the build's report is in the output (VSTest); on the platform the run's warnings are in its files.</param>
    private static void AssertEachTestHoldsOnlyItsOwn(SampleTestProjects.RunResult run, Dictionary<string, string> hotByTest, bool consoleReport = true)
    {
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        var folder = RunFolder.LoadSingle(run.ResultsDirectory);
        Assert.That(Warnings(folder), Has.Some.Contains("tests ran in parallel"), "the tests did run in parallel, and the run says so");
        if (consoleReport) Assert.That(run.Output, Does.Contain("tests ran in parallel"), "and the console says so too");
        foreach (var (test, hot) in hotByTest)
        {
            var row = folder.Rows.Single(r => r.FullName.EndsWith("." + test, StringComparison.Ordinal));
            Assert.That(row.Samples, Is.GreaterThanOrEqualTo(100), $"{test}: a second of its own work");
            AssertHolds(row, hot, HotMethods.Where(h => h != hot).ToArray());
        }
        using var summary = JsonDocument.Parse(File.ReadAllBytes(folder.File("perftestkit-summary.json")));
        Assert.That(summary.RootElement.GetProperty("summary").TryGetProperty("unattributed", out _), Is.True, "the run counts what it could not attribute");
    }

    /// <summary>The test's flame graph and Gecko profile name <paramref name="own"/> and none of <paramref name="others"/>.</summary>
    private static void AssertHolds(RunFolder.Row row, string own, params string[] others)
    {
        Assert.That(row.Files.Select(Path.GetExtension), Is.EquivalentTo(new[] { ".html", ".json" }), $"{row.FullName}: its flame graph and Gecko profile");
        foreach (string file in row.Files)
        {
            string text = File.ReadAllText(file);
            Assert.That(text.Contains(own, StringComparison.Ordinal), Is.True, $"{row.FullName}: {Path.GetFileName(file)} holds its own hot method {own}");
            foreach (string other in others)
            {
                Assert.That(text.Contains(other, StringComparison.Ordinal), Is.False, $"{row.FullName}: {Path.GetFileName(file)} holds another test's {other}");
            }
        }
    }

    private static List<string> Warnings(RunFolder folder)
    {
        using var summary = JsonDocument.Parse(File.ReadAllBytes(folder.File("perftestkit-summary.json")));
        return summary.RootElement.GetProperty("summary").GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
    }
}
