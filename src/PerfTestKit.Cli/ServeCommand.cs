using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PerfTestKit.Cli;

/// <summary>`perftestkit serve DIR`: a results folder on 127.0.0.1, with Firefox Profiler links for its Gecko profiles.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("dir") { Description = "The results folder (e.g. TestResults/<run>)." };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0: any free port).", DefaultValueFactory = _ => 0 };
        var noBrowser = new Option<bool>("--no-browser") { Description = "Do not open a browser." };
        var command = new Command("serve", "Serve a results folder locally and print a Firefox Profiler link for each Gecko profile.")
        {
            directory, port, noBrowser,
        };
        command.SetAction(async (parse, cancellation) =>
            (int)await RunAsync(parse.GetValue(directory)!, parse.GetValue(port), parse.GetValue(noBrowser), cancellation));
        return command;
    }

    private static async Task<ExitCode> RunAsync(string directory, int port, bool noBrowser, CancellationToken cancellation)
    {
        if (!Directory.Exists(directory))
        {
            Console.Error.WriteLine($"error: {directory}: no such folder");
            return ExitCode.InputNotFound;
        }
        using var server = new ResultsServer(directory, port);
        try
        {
            server.Start();
        }
        catch (System.Net.HttpListenerException e)
        {
            Console.Error.WriteLine($"error: cannot listen on 127.0.0.1:{server.Port}: {e.Message}");
            return ExitCode.UsageError;
        }
        string root = Path.GetFullPath(directory);
        string? firstPage = null;
        foreach (var file in ListFiles(root).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            string url = server.BaseUrl + string.Join('/', relative.Split('/').Select(Uri.EscapeDataString));
            if (file.EndsWith(".gecko.json", StringComparison.Ordinal))
            {
                Console.WriteLine($"profile     {ResultsServer.ProfilerOrigin}/from-url/{Uri.EscapeDataString(url)}");
            }
            else if (file.EndsWith(".html", StringComparison.Ordinal))
            {
                Console.WriteLine($"page        {url}");
                if (firstPage is null || file.EndsWith("index.html", StringComparison.Ordinal)) firstPage = url;
            }
        }
        Console.WriteLine($"serving {root} at {server.BaseUrl} — Ctrl+C stops");
        if (!noBrowser && firstPage is not null) TryOpenBrowser(firstPage);
        // Ctrl+C (SIGINT) or SIGTERM ends the serving cleanly.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        // A shell starts a background job (`perftestkit serve DIR &` in a script) with SIGINT ignored, and the runtime
        // then installs no handler for it: put it back to its default, so that SIGINT stops serve (exit 130) there too.
        if (SigIntIgnored()) _ = signal(SigInt, IntPtr.Zero);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        await server.RunAsync(stop.Token);
        Console.WriteLine("stopped");
        return ExitCode.Success;
    }

    /// <summary>Every file under <paramref name="root"/>; a folder that cannot be read is skipped with a warning, not a crash.</summary>
    private static IEnumerable<string> ListFiles(string root)
    {
        var files = new List<string>();
        var folders = new Stack<string>();
        folders.Push(root);
        while (folders.TryPop(out var folder))
        {
            try
            {
                files.AddRange(Directory.GetFiles(folder));
                foreach (var sub in Directory.GetDirectories(folder))
                {
                    // Linked folders are not walked (a link may lead anywhere, or in a circle); the server refuses
                    // whatever they lead to outside the folder.
                    if (new DirectoryInfo(sub).LinkTarget is null) folders.Push(sub);
                }
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                Console.Error.WriteLine($"warning: skipped {folder}: {e.Message}");
            }
        }
        return files;
    }

    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr signal(int signum, IntPtr handler); // SIG_DFL is 0

    /// <summary>Whether this process started with SIGINT ignored (the SigIgn mask in /proc/self/status).</summary>
    private static bool SigIntIgnored()
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return false;
        }
    }

    private static void TryOpenBrowser(string url)
    {
        string? opener = Recording.PerfProbe.ResolveExecutable("xdg-open");
        if (opener is null || Environment.GetEnvironmentVariable("DISPLAY") is null && Environment.GetEnvironmentVariable("WAYLAND_DISPLAY") is null) return;
        try { Process.Start(new ProcessStartInfo(opener, url) { UseShellExecute = false })?.Dispose(); }
        catch (System.ComponentModel.Win32Exception) { }
    }
}
