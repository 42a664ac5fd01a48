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

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { tool, "serve", results, "--no-browser" }) info.ArgumentList.Add(a);
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
