namespace PerfTestKit.Collector.Tests;

/// <summary>Once, after every fixture: the sample projects and the packed feed are shared, so they go last.</summary>
[SetUpFixture]
public sealed class TestRun
{
    [OneTimeTearDown]
    public void RemoveSampleProjects() => SampleTestProjects.CleanUp();
}
