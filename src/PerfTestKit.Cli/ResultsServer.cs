using System.Net;
using System.Net.Sockets;

namespace PerfTestKit.Cli;

/// <summary>
/// Serves one results folder on 127.0.0.1, read-only, with the CORS header the Firefox Profiler needs to fetch a
/// profile from it (what perf's gecko script does for one file). Nothing outside the folder is ever served.
/// </summary>
internal sealed class ResultsServer : IDisposable
{
    public const string ProfilerOrigin = "https://profiler.firefox.com";

    private readonly string _root;

    private readonly int _requestedPort;
    private HttpListener _listener = new();

    public ResultsServer(string root, int port)
    {
        _root = (RealPath(Path.GetFullPath(root)) ?? Path.GetFullPath(root)).TrimEnd('/') + "/";
        _requestedPort = port;
    }

    public int Port { get; private set; }
    public string BaseUrl => $"http://127.0.0.1:{Port}/";

    /// <summary>
    /// Listens on the requested port, or on a free one: a port found free and bound later can be taken in between,
    /// so a few free ports are tried by binding them.
    /// </summary>
    public void Start()
    {
        for (int attempt = 1; ; attempt++)
        {
            Port = _requestedPort == 0 ? FreePort() : _requestedPort;
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                return;
            }
            catch (HttpListenerException) when (_requestedPort == 0 && attempt < 5)
            {
                _listener.Close();
                _listener = new HttpListener();
            }
        }
    }

    /// <summary>Answers requests until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var registration = stop.Register(() => _listener.Abort());
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break; // stopped
            }
            _ = Task.Run(() => Answer(context), CancellationToken.None);
        }
    }

    /// <summary>The file a request path names, or null when it names nothing inside the folder.</summary>
    public string? Resolve(string requestPath)
    {
        string relative = Uri.UnescapeDataString(requestPath).TrimStart('/');
        if (relative.Contains('\0')) return null;
        string full = Path.GetFullPath(Path.Combine(_root, relative));
        if (Directory.Exists(full)) full = Path.Combine(full, "index.html");
        // Symbolic links are followed to where they lead, which must still be inside the folder (a link to
        // /etc/passwd is as much outside it as ../../etc/passwd).
        string? real = RealPath(full);
        if (real is null || !real.StartsWith(_root, StringComparison.Ordinal)) return null;
        return File.Exists(real) ? real : null;
    }

    /// <summary>The path with every symbolic link along it resolved (as realpath(3)); null for a link loop.</summary>
    internal static string? RealPath(string path, int depth = 0)
    {
        if (depth > 40) return null;
        string current = "/";
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string next = part == ".." ? Path.GetDirectoryName(current) ?? "/" : Path.Combine(current, part);
            FileSystemInfo? target;
            try
            {
                var info = new FileInfo(next);
                target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true);
            }
            catch (IOException)
            {
                return null; // too many levels of links
            }
            if (target is not null)
            {
                // The target's own folders may be links too.
                string? resolved = RealPath(target.FullName, depth + 1);
                if (resolved is null) return null;
                next = resolved;
            }
            current = next;
        }
        return current;
    }

    private async Task Answer(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            response.AddHeader("Access-Control-Allow-Origin", ProfilerOrigin);
            string? file = context.Request.HttpMethod is "GET" or "HEAD" ? Resolve(context.Request.Url?.AbsolutePath ?? "/") : null;
            if (file is null)
            {
                response.StatusCode = context.Request.HttpMethod is "GET" or "HEAD" ? 404 : 405;
                return;
            }
            response.ContentType = ContentType(file);
            response.ContentLength64 = new FileInfo(file).Length;
            if (context.Request.HttpMethod == "GET")
            {
                await using var stream = File.OpenRead(file);
                await stream.CopyToAsync(response.OutputStream).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or HttpListenerException or UnauthorizedAccessException)
        {
            response.StatusCode = 500;
        }
        finally
        {
            try { response.Close(); } catch (HttpListenerException) { }
        }
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".json" => "application/json",
        _ => "text/plain; charset=utf-8",
    };

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose() => _listener.Close();
}
