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
    private readonly HttpListener _listener = new();

    public ResultsServer(string root, int port)
    {
        _root = Path.GetFullPath(root).TrimEnd('/') + "/";
        Port = port == 0 ? FreePort() : port;
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}/";

    public void Start() => _listener.Start();

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
        if (!full.StartsWith(_root, StringComparison.Ordinal) && full + "/" != _root) return null;
        if (Directory.Exists(full)) full = Path.Combine(full, "index.html");
        return File.Exists(full) ? full : null;
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
