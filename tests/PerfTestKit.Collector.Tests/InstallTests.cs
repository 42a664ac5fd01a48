using System.Text.RegularExpressions;

namespace PerfTestKit.Collector.Tests;

/// <summary>
/// What a newcomer reads: the README's Install section followed word for word in a new project outside the
/// repository, and the GitHub Actions workflow kept in docs/ with its shell steps run here. Only the package's
/// version (a fresh one, so that NuGet's cache cannot serve an older build) and the feed's folder are replaced.
/// </summary>
[NonParallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class InstallTests
{
    private const string ReadmeVersion = "0.1.0";
    private static readonly string Version = $"0.1.0-readme{DateTime.UtcNow:yyyyMMddHHmmss}";
    private static readonly string Root = Directory.CreateTempSubdirectory("perftestkit-install-").FullName;
    private static readonly string Feed = Path.Combine(Root, "perftestkit-feed");
    private static readonly Lazy<string> Install = new(RunInstallCommands);

    [OneTimeTearDown]
    public void CleanUp()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        string cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), "perftestkit", Version);
        try { if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true); } catch (IOException) { }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void The_READMEs_install_section_word_for_word_gives_a_new_project_its_profiles(bool centralPackageManagement)
    {
        string install = Section("## Install");
        TestContext.Out.WriteLine(Install.Value);
        // The nuget.config, as printed, next to the project's folder.
        string workspace = Path.Combine(Root, centralPackageManagement ? "central" : "plain");
        Directory.CreateDirectory(workspace);
        string config = CodeBlocks(install, "xml").Single(b => b.Contains("<configuration>", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(workspace, "nuget.config"), Versioned(config.Replace("/home/me/perftestkit-feed", Feed, StringComparison.Ordinal)));

        // A new NUnit project (the e2e tests' generator, minus its own PerfTestKit reference and feed), moved out.
        string project = Path.Combine(workspace, "NewProject");
        Directory.Move(SampleTestProjects.Create(centralPackageManagement ? "ReadmeCentral" : "ReadmePlain", "nunit", perfProfileProperty: false), project);
        string csproj = Path.Combine(project, "NewProject.csproj");
        File.Move(Path.Combine(project, (centralPackageManagement ? "ReadmeCentral" : "ReadmePlain") + ".csproj"), csproj);
        string text = Regex.Replace(File.ReadAllText(csproj), "<PackageReference Include=\"PerfTestKit\" Version=\"[^\"]+\" />", "");

        // The switch, as the README's project snippet writes it.
        string perfProfile = CodeBlocks(Section("## In your test project"), "xml")[0].Split('\n')
            .Single(l => l.Contains("<PerfProfile>true</PerfProfile>", StringComparison.Ordinal)).Trim();
        perfProfile = perfProfile[..(perfProfile.IndexOf("</PerfProfile>", StringComparison.Ordinal) + "</PerfProfile>".Length)];
        var snippets = Regex.Matches(install, "`(<Package(?:Reference|Version) [^`]+/>)`").Select(m => Versioned(m.Groups[1].Value)).ToList();
        if (centralPackageManagement)
        {
            string reference = snippets.Single(s => s.StartsWith("<PackageReference", StringComparison.Ordinal) && !s.Contains("Version=", StringComparison.Ordinal));
            string version = snippets.Single(s => s.StartsWith("<PackageVersion", StringComparison.Ordinal));
            var others = Regex.Matches(text, "<PackageReference Include=\"([^\"]+)\" Version=\"([^\"]+)\" />").Select(m => (Id: m.Groups[1].Value, Version: m.Groups[2].Value)).ToList();
            text = Regex.Replace(text, " Version=\"[^\"]+\" />", " />");
            File.WriteAllText(Path.Combine(workspace, "Directory.Packages.props"), $"""
                <Project>
                  <PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup>
                  <ItemGroup>
                    {string.Concat(others.Select(o => $"<PackageVersion Include=\"{o.Id}\" Version=\"{o.Version}\" />"))}
                    {version}
                  </ItemGroup>
                </Project>
                """);
            text = text.Replace("</ItemGroup>", reference + "</ItemGroup>", StringComparison.Ordinal);
        }
        else
        {
            text = text.Replace("</ItemGroup>", snippets.Single(s => s.StartsWith("<PackageReference", StringComparison.Ordinal) && s.Contains("Version=", StringComparison.Ordinal)) + "</ItemGroup>", StringComparison.Ordinal);
        }
        text = text.Replace("</PropertyGroup>", perfProfile + "</PropertyGroup>", StringComparison.Ordinal);
        File.WriteAllText(csproj, text);

        var run = SampleTestProjects.DotnetTest(project, Array.Empty<string>());
        Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
        Assert.That(run.Output, Does.Not.Contain("NU1008").And.Contain("PerfTestKit: 2 tests profiled"));
        var folder = RunFolder.LoadSingle(run.ResultsDirectory);
        Assert.That(folder.TestFiles.Keys.Select(k => k.Split('.').Last()), Is.EquivalentTo(new[] { "Uses_alpha", "Uses_beta" }));
        var alpha = folder.TestFiles.Single(t => t.Key.EndsWith("Uses_alpha", StringComparison.Ordinal)).Value;
        Assert.That(TrxReport.FlameGraphFrames(alpha.Single(f => f.EndsWith(".flamegraph.html", StringComparison.Ordinal))), Does.Contain("HotTests::HotAlpha(int32)"));
    }

    /// <summary>
    /// The workflow's shell steps, in order, in a checkout-like folder holding a test project at TEST_PROJECT (the
    /// `uses:` steps are GitHub's). Run as root here, with `sudo` passed through where it is not installed; the sysctl
    /// it sets is put back as soon as its step has shown it works.
    /// </summary>
    [Test]
    public void The_GitHub_Actions_workflows_shell_steps_run_here_and_leave_the_profiles_where_its_artifact_step_looks()
    {
        string workflow = File.ReadAllText(Path.Combine(SampleTestProjects.RepositoryRoot(), "docs", "github-actions-perftestkit.yml"));
        var runs = Regex.Matches(workflow, @"^\s+run: (.+)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value.Trim()).ToList();
        Assert.That(runs, Has.Count.EqualTo(3), "install perf, let it record, test");
        string testProject = Regex.Match(workflow, @"TEST_PROJECT: (\S+)").Groups[1].Value;
        string artifactPath = Regex.Match(workflow, @"path: (\S+)").Groups[1].Value;

        string checkout = Path.Combine(Root, "checkout");
        string project = Path.Combine(checkout, testProject);
        Directory.CreateDirectory(Path.GetDirectoryName(project)!);
        Directory.Move(SampleTestProjects.Create("WorkflowProject", "nunit", perfProfileProperty: false), project);
        File.Copy(Path.Combine(SampleTestProjects.Root, "nuget.config"), Path.Combine(checkout, "nuget.config"));

        var environment = new Dictionary<string, string> { ["TEST_PROJECT"] = testProject };
        if (!File.Exists("/usr/bin/sudo") && !File.Exists("/bin/sudo"))
        {
            string bin = Path.Combine(Root, "bin");
            Directory.CreateDirectory(bin);
            File.WriteAllText(Path.Combine(bin, "sudo"), "#!/bin/sh\nexec \"$@\"\n");
            File.SetUnixFileMode(Path.Combine(bin, "sudo"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        }
        string paranoid = File.ReadAllText("/proc/sys/kernel/perf_event_paranoid").Trim();
        foreach (string step in runs)
        {
            try
            {
                var result = ChildProcess.Run("bash", new[] { "-e", "-c", step }, checkout, environment, TimeSpan.FromMinutes(10));
                TestContext.Out.WriteLine($"$ {step}\n{result.Output}");
                Assert.That(result.ExitCode, Is.EqualTo(0), $"{step}\n{result.Output}");
                if (step.Contains("sysctl", StringComparison.Ordinal))
                    Assert.That(File.ReadAllText("/proc/sys/kernel/perf_event_paranoid").Trim(), Is.EqualTo("1"), step);
            }
            finally
            {
                // At once: other test projects run meanwhile and some need this machine's own setting.
                File.WriteAllText("/proc/sys/kernel/perf_event_paranoid", paranoid);
            }
        }
        // upload-artifact's path: a glob under the checkout.
        string pattern = Path.GetFileName(artifactPath);
        var uploaded = Directory.GetDirectories(Path.Combine(checkout, Path.GetDirectoryName(artifactPath)!), pattern);
        Assert.That(uploaded, Has.Length.EqualTo(1), $"{artifactPath} holds the run folder");
        Assert.That(File.Exists(Path.Combine(uploaded[0], "index.html")), Is.True);
        var folder = RunFolder.LoadSingle(Path.Combine(checkout, Path.GetDirectoryName(artifactPath)!));
        Assert.That(folder.TestFiles, Has.Count.EqualTo(2));
    }

    /// <summary>The README's pack commands, run in the repository (its `git clone` and `cd` are where we already are).</summary>
    private static string RunInstallCommands()
    {
        string repository = SampleTestProjects.RepositoryRoot();
        var commands = CodeBlocks(Section("## Install"), "sh").Single().Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("git clone", StringComparison.Ordinal)).ToList();
        Assert.That(commands, Has.Some.StartsWith("dotnet pack"));
        string script = Versioned(string.Join("\n", commands).Replace("~/perftestkit-feed", Feed, StringComparison.Ordinal));
        var result = ChildProcess.Run("bash", new[] { "-e", "-c", script }, repository, null, TimeSpan.FromMinutes(10));
        Assert.That(result.ExitCode, Is.EqualTo(0), $"{script}\n{result.Output}");
        Assert.That(Directory.GetFiles(Feed, $"PerfTestKit.{Version}.nupkg"), Has.Length.EqualTo(1), result.Output);
        return $"{script}\n{result.Output}";
    }

    private static string Versioned(string text) => text.Replace($"Version={ReadmeVersion}", $"Version={Version}", StringComparison.Ordinal)
        .Replace($"Version=\"{ReadmeVersion}\"", $"Version=\"{Version}\"", StringComparison.Ordinal);

    /// <summary>A README section: from its heading to the next heading of its level.</summary>
    private static string Section(string heading)
    {
        string readme = File.ReadAllText(Path.Combine(SampleTestProjects.RepositoryRoot(), "README.md"));
        int start = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), heading);
        int end = readme.IndexOf("\n## ", start + heading.Length + 1, StringComparison.Ordinal);
        return readme[start..(end < 0 ? readme.Length : end)];
    }

    private static List<string> CodeBlocks(string section, string language) =>
        Regex.Matches(section, $"```{language}\\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
}
