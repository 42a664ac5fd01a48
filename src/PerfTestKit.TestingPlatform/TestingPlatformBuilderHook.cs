using Microsoft.Testing.Platform.Builder;

namespace PerfTestKit.TestingPlatform;

/// <summary>
/// Called by the entry point that Microsoft.Testing.Platform generates for a test project: the package's
/// TestingPlatformBuilderHook item names this type. Registers PerfProfile; it stays off until switched on.
/// </summary>
public static class TestingPlatformBuilderHook
{
    public static void AddExtensions(ITestApplicationBuilder builder, string[] _) => builder.AddPerfProfile();
}
