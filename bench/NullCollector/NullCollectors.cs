using System.Xml;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.DataCollection;

namespace PerfTestKit.Bench.NullCollector;

/// <summary>
/// `--collect:NullCollector`: subscribes to no event and does nothing. What a run with it costs over a plain run is
/// VSTest's fixed cost of having a collector at all: the datacollector process, launched, connected and waited for
/// before the test host starts, and its session start and end messages.
/// </summary>
[DataCollectorFriendlyName("NullCollector")]
[DataCollectorTypeUri("datacollector://PerfTestKit/NullCollector/1.0")]
public sealed class NullCollector : DataCollector
{
    public override void Initialize(XmlElement? configurationElement, DataCollectionEvents events, DataCollectionSink dataSink,
        DataCollectionLogger logger, DataCollectionEnvironmentContext? environmentContext)
    {
    }
}

/// <summary>
/// `--collect:NullPerTestCollector`: subscribes to TestCaseStart and TestCaseEnd with empty handlers. A collector
/// that subscribes to test case events makes VSTest send each test's start and end from the test host to the
/// datacollector process: what that adds over <see cref="NullCollector"/> is VSTest's per-test round-trip floor.
/// </summary>
[DataCollectorFriendlyName("NullPerTestCollector")]
[DataCollectorTypeUri("datacollector://PerfTestKit/NullPerTestCollector/1.0")]
public sealed class NullPerTestCollector : DataCollector
{
    public override void Initialize(XmlElement? configurationElement, DataCollectionEvents events, DataCollectionSink dataSink,
        DataCollectionLogger logger, DataCollectionEnvironmentContext? environmentContext)
    {
        events.TestCaseStart += OnTestCaseStart;
        events.TestCaseEnd += OnTestCaseEnd;
    }

    private static void OnTestCaseStart(object? sender, TestCaseStartEventArgs e)
    {
    }

    private static void OnTestCaseEnd(object? sender, TestCaseEndEventArgs e)
    {
    }
}
