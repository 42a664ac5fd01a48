using Microsoft.Testing.Platform.Builder;
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Services;

namespace PerfTestKit.TestingPlatform;

/// <summary>
/// PerfProfile on Microsoft.Testing.Platform. Out of process, <see cref="TestHostRecorder"/> sets the test host's
/// variables, records it with perf and writes the profiles; inside the host, <see cref="TestEventReporter"/> says
/// when each test ended. Switched on by --perf-profile or &lt;PerfProfile&gt;true&lt;/PerfProfile&gt;.
/// </summary>
public static class PerfProfileExtension
{
    public static void AddPerfProfile(this ITestApplicationBuilder builder)
    {
        builder.CommandLine.AddProvider(() => new PerfProfileCommandLine());

        // One recorder serves as the host's environment and its lifetime handler: what one learns, the other uses.
        var recorder = new CompositeExtensionFactory<TestHostRecorder>(services =>
            new TestHostRecorder(PerfProfileActivation.Read(services.GetCommandLineOptions(), AppContext.BaseDirectory),
                services.GetConfiguration(), services.GetMessageBus(), services.GetOutputDevice()));
        builder.TestHostControllers.AddEnvironmentVariableProvider(recorder);
        builder.TestHostControllers.AddProcessLifetimeHandler(recorder);

        var reporter = new CompositeExtensionFactory<TestEventReporter>(_ => new TestEventReporter());
        builder.TestHost.AddDataConsumer(reporter);
        builder.TestHost.AddTestSessionLifetimeHandle(reporter);
    }

    internal static string Version { get; } = typeof(PerfProfileExtension).Assembly.GetName().Version?.ToString() ?? "0.0.0";
}
