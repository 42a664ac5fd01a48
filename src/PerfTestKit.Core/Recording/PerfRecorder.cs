using System.Text;
using CliWrap;

namespace PerfTestKit.Recording;

/// <summary>The outcome of a `perf record` run around a command.</summary>
public sealed record PerfRunResult(int ExitCode, string OutputPath, TimeSpan Duration);

/// <summary>Runs `perf record` through CliWrap: around a command, or attached to a running process.</summary>
public static class PerfRecorder
{
    /// <summary>
    /// Runs `perf record ... -- command` with the .NET variables set and waits for it. Cancelling
    /// <paramref name="stop"/> stops perf with SIGINT, so it still writes a complete file.
    /// </summary>
    public static async Task<PerfRunResult> RecordCommandAsync(PerfRecordOptions options, IReadOnlyList<string> command,
        Stream standardOutput, Stream standardError, CancellationToken stop = default)
    {
        if (command.Count == 0) throw new ArgumentException("no command to record", nameof(command));
        var args = options.BuildArguments();
        args.Add("--");
        args.AddRange(command);
        var started = DateTime.UtcNow;
        using var forceful = new CancellationTokenSource();
        using var escalate = stop.Register(() => forceful.CancelAfter(TimeSpan.FromSeconds(30)));
        try
        {
            var result = await Cli.Wrap(options.PerfPath)
                .WithArguments(args)
                .WithEnvironmentVariables(DotNetPerfEnvironment.Variables.ToDictionary(p => p.Key, p => (string?)p.Value))
                .WithStandardOutputPipe(PipeTarget.ToStream(standardOutput))
                .WithStandardErrorPipe(PipeTarget.ToStream(standardError))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(forceful.Token, stop);
            return new PerfRunResult(result.ExitCode, options.OutputPath, DateTime.UtcNow - started);
        }
        catch (OperationCanceledException)
        {
            return new PerfRunResult(130, options.OutputPath, DateTime.UtcNow - started);
        }
    }

    /// <summary>Starts `perf record -p PID` in the background; stop it with <see cref="PerfSession.StopAsync"/>.</summary>
    public static PerfSession Attach(PerfRecordOptions options, int pid)
    {
        var args = options.BuildArguments();
        args.AddRange(new[] { "-p", pid.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return PerfSession.Start(options, args);
    }
}

/// <summary>A `perf record` running in the background, stopped with SIGINT (then killed if it hangs).</summary>
public sealed class PerfSession : IAsyncDisposable
{
    private readonly CancellationTokenSource _graceful;
    private readonly CancellationTokenSource _forceful;
    private readonly StringBuilder _stderr;
    private readonly Task<CommandResult> _run;

    private PerfSession(PerfRecordOptions options, Task<CommandResult> run, int processId,
        CancellationTokenSource graceful, CancellationTokenSource forceful, StringBuilder stderr)
    {
        Options = options;
        _run = run;
        ProcessId = processId;
        _graceful = graceful;
        _forceful = forceful;
        _stderr = stderr;
    }

    public PerfRecordOptions Options { get; }
    public int ProcessId { get; }

    /// <summary>The perf command line, as perf itself records it in CMDLINE.</summary>
    public IReadOnlyList<string> CommandLine { get; private init; } = Array.Empty<string>();
    public bool HasExited => _run.IsCompleted;

    /// <summary>What perf printed on stderr so far (its errors and its summary).</summary>
    public string StandardError
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    internal static PerfSession Start(PerfRecordOptions options, IReadOnlyList<string> args)
    {
        var graceful = new CancellationTokenSource();
        var forceful = new CancellationTokenSource();
        var stderr = new StringBuilder();
        var task = Cli.Wrap(options.PerfPath)
            .WithArguments(args)
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => { lock (stderr) stderr.AppendLine(line); }))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(forceful.Token, graceful.Token);
        return new PerfSession(options, task.Task, task.ProcessId, graceful, forceful, stderr)
        {
            CommandLine = new[] { options.PerfPath }.Concat(args).ToList(),
        };
    }

    /// <summary>SIGINT, so perf writes its header and features; after <paramref name="timeout"/> it is killed.</summary>
    public async Task<int?> StopAsync(TimeSpan timeout)
    {
        if (!_run.IsCompleted) _graceful.Cancel();
        var finished = await Task.WhenAny(_run, Task.Delay(timeout)).ConfigureAwait(false);
        if (finished != _run) _forceful.Cancel();
        try
        {
            return (await _run.ConfigureAwait(false)).ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL: for a recording that is thrown away, so perf skips its exit work (build-ids, header).</summary>
    public async Task KillAsync()
    {
        if (!_run.IsCompleted) _forceful.Cancel();
        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _graceful.Dispose();
        _forceful.Dispose();
    }
}
