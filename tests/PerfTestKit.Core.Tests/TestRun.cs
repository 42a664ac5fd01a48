using PerfTestKit.Tests.Support;

namespace PerfTestKit.Tests;

/// <summary>Once per test run: clean up what the shared recordings left behind.</summary>
[SetUpFixture]
public sealed class TestRun
{
    [OneTimeTearDown]
    public void RemoveRecordings() => Recordings.RemoveEverything();
}
