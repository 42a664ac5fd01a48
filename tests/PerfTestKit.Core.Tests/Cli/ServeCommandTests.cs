using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using PerfTestKit.Tests.Support;

namespace PerfTestKit.Tests.Cli;

/// <summary>`perftestkit serve` as a real process, probed with real HTTP requests.</summary>
public class ServeCommandTests
{
    [Test]
    public void Serve_gives_the_folder_with_the_profiler_CORS_header_links_each_profile_and_stops_on_ctrl_c()
    {
        string results = Path.Combine(Recordings.Directory, $"serve-{Guid.NewGuid():N}");
        string tool = Path.Combine(TestContext.CurrentContext.TestDirectory, "perftestkit.dll");
        var report = ProcessRunner.Run("dotnet", new[] { tool, "report", Recordings.NativeFile, "-o", Path.Combine(results, "run one") });
        Assert.That(report.ExitCode, Is.EqualTo(0), report.StandardError);

        // With SIGINT at its default whatever this test run inherited (a run started in the background from a script
        // has it ignored, and so would serve).
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", tool, "serve", results, "--no-browser" }) info.ArgumentList.Add(a);
        using var server = Process.Start(info)!;
        try
        {
            var lines = new List<string>();
            string? line;
            while ((line = server.StandardOutput.ReadLine()) is not null)
            {
                lines.Add(line);
                if (line.StartsWith("serving ", StringComparison.Ordinal)) break;
            }
            string page = lines.Single(l => l.StartsWith("page", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            string profile = lines.Single(l => l.StartsWith("profile", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            var uri = new Uri(page);
            Assert.That(uri.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(uri.AbsolutePath, Is.EqualTo("/run%20one/flamegraph.html"));
            Assert.That(profile, Is.EqualTo("https://profiler.firefox.com/from-url/" +
                Uri.EscapeDataString($"http://127.0.0.1:{uri.Port}/run%20one/profile.gecko.json")));

            var ok = RawGet(uri.Port, "/run%20one/flamegraph.html");
            Assert.That(ok, Does.StartWith("HTTP/1.1 200"));
            Assert.That(ok, Does.Contain("Access-Control-Allow-Origin: https://profiler.firefox.com"));
            Assert.That(ok, Does.Contain("perftestkit-data"));
            Assert.That(RawGet(uri.Port, "/run%20one/profile.gecko.json"), Does.StartWith("HTTP/1.1 200").And.Contain("application/json"));
            foreach (var escape in new[] { "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/run%20one/..%2f..%2f..%2fetc%2fpasswd" })
            {
                string answer = RawGet(uri.Port, escape);
                Assert.That(answer, Does.StartWith("HTTP/1.1 404"), escape);
                Assert.That(answer, Does.Not.Contain("root:"), escape);
            }

            ProcessRunner.Run("kill", new[] { "-INT", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            Assert.That(server.WaitForExit(TimeSpan.FromSeconds(10)), Is.True, "serve stops on SIGINT");
            Assert.That(server.ExitCode, Is.EqualTo(0));
        }
        finally
        {
            if (!server.HasExited) server.Kill();
            Directory.Delete(results, recursive: true);
        }
    }

    /// <summary>
    /// Links inside the folder are followed only where they stay inside it; a folder it cannot read is skipped with
    /// a warning. Run as a user without root (nobody), since root reads any folder.
    /// </summary>
    [Test]
    public void Serve_follows_no_link_out_of_the_folder_and_skips_a_folder_it_cannot_read()
    {
        Assume.That(OperatingSystem.IsLinux() && Environment.UserName == "root", "the test makes its files and runs serve as nobody");
        if (!OperatingSystem.IsLinux()) return;
        string results = Path.Combine(Path.GetTempPath(), $"perftestkit-serve-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(results, "run"));
        Directory.CreateDirectory(Path.Combine(results, "locked"));
        File.WriteAllText(Path.Combine(results, "run", "index.html"), "<p>inside</p>");
        File.WriteAllText(Path.Combine(results, "locked", "secret.html"), "<p>locked</p>");
        File.CreateSymbolicLink(Path.Combine(results, "run", "passwd.html"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(results, "run", "same.html"), Path.Combine(results, "run", "index.html"));
        Directory.CreateDirectory(Path.Combine(results, "run", "sub"));
        File.CreateSymbolicLink(Path.Combine(results, "run", "sub", "up.html"), "../../../../../../etc/passwd");
        Directory.CreateSymbolicLink(Path.Combine(results, "etc"), "/etc");
        File.SetUnixFileMode(Path.Combine(results, "locked"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string tool = Path.Combine(TestContext.CurrentContext.TestDirectory, "perftestkit.dll");

        var info = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "dotnet", tool, "serve", results, "--no-browser" }) info.ArgumentList.Add(a);
        info.Environment["HOME"] = results;
        info.Environment["DOTNET_CLI_HOME"] = results;
        using var server = Process.Start(info)!;
        try
        {
            string? line;
            var lines = new List<string>();
            while ((line = server.StandardOutput.ReadLine()) is not null && !line.StartsWith("serving ", StringComparison.Ordinal)) lines.Add(line);
            Assert.That(line, Is.Not.Null, "serve started: " + string.Join('\n', lines));
            int port = new Uri(line![(line.IndexOf("http", StringComparison.Ordinal))..].Split(' ')[0]).Port;

            var inside = RawGet(port, "/run/same.html");
            Assert.That(inside, Does.StartWith("HTTP/1.1 200").And.Contain("Content-Length: 13").And.EndWith("<p>inside</p>"), "a link inside the folder is followed");
            foreach (var outside in new[] { "/run/passwd.html", "/run/sub/up.html", "/etc/passwd", "/etc/hostname" })
            {
                string answer = RawGet(port, outside);
                Assert.That(answer, Does.StartWith("HTTP/1.1 404"), outside);
                Assert.That(answer, Does.Not.Contain("root:"), outside);
            }
            Assert.That(RawGet(port, "/locked/secret.html"), Does.StartWith("HTTP/1.1 404").Or.StartWith("HTTP/1.1 500"), "the unreadable folder's file is not served");
            Assert.That(lines, Has.None.Contains("/etc/"), "linked folders are not listed");
        }
        finally
        {
            if (!server.HasExited)
            {
                ProcessRunner.Run("kill", new[] { "-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                if (!server.WaitForExit(TimeSpan.FromSeconds(10))) server.Kill(entireProcessTree: true);
            }
            Directory.Delete(results, recursive: true);
        }
        Assert.That(server.StandardError.ReadToEnd(), Does.Contain("warning: skipped").And.Contain("locked"), "one warning for the folder it could not read");
    }

    /// <summary>An HTTP request with the path exactly as given (HttpClient would normalise the dots away).</summary>
    private static string RawGet(int port, string path)
    {
        using var client = new TcpClient("127.0.0.1", port);
        using var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
