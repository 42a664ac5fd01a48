namespace PerfTestKit.Collector.Tests;

/// <summary>Once, after every fixture: the sample projects and the packed feed are shared, so they go last.</summary>
[SetUpFixture]
public sealed class TestRun
{
    [OneTimeTearDown]
    public void RemoveSampleProjects()
    {
        // PERFTESTKIT_KEEP_E2E=1 keeps the projects and their runs, to look at after a failure.
        if (Environment.GetEnvironmentVariable("PERFTESTKIT_KEEP_E2E") != "1") SampleTestProjects.CleanUp();
    }
}
