using PerfTestKit.Profiling;
using PerfTestKit.Writers;

namespace PerfTestKit.Tests.Profiling;

public class ProfilerSettingsTests
{
    [Test]
    public void Every_setting_is_read_by_name_whatever_its_case()
    {
        var settings = ProfilerSettings.Parse(new Dictionary<string, string>
        {
            ["frequency"] = "499", ["Event"] = "task-clock", ["FORMATS"] = "html,folded", ["KeepPerfData"] = "true", ["PerfPath"] = "/opt/perf",
            ["minsamples"] = "0",
        }, out var errors);
        Assert.That(errors, Is.Empty);
        Assert.That(settings, Is.EqualTo(new ProfilerSettings
        {
            Frequency = 499, Event = "task-clock", TestFormats = OutputFormats.Html | OutputFormats.Folded, KeepPerfData = true, PerfPath = "/opt/perf",
            MinSamples = 0,
        }));
        Assert.That(new ProfilerSettings().MinSamples, Is.EqualTo(10), "the documented default");
    }

    [TestCase("html,gecko,folded")]
    [TestCase("html;gecko;folded")]
    [TestCase("html+gecko+folded")]
    [TestCase(" html + gecko ,folded ")]
    public void Formats_are_separated_by_commas_semicolons_or_plus_signs_as_a_command_line_can_give_them(string formats)
    {
        Assert.That(OutputFormatNames.Parse(formats, out var errors), Is.EqualTo(OutputFormats.Html | OutputFormats.Gecko | OutputFormats.Folded));
        Assert.That(errors, Is.Empty);
    }

    [Test]
    public void Every_bad_value_is_reported_by_name_and_none_falls_back_silently()
    {
        ProfilerSettings.Parse(new Dictionary<string, string>
        {
            ["Frequency"] = "fast", ["Event"] = "cpu-clock; rm -rf /", ["Formats"] = "svg", ["KeepPerfData"] = "maybe", ["Colour"] = "red",
            ["MinSamples"] = "-1",
        }, out var errors);
        Assert.That(errors, Has.Count.EqualTo(6));
        Assert.That(errors, Has.Some.StartsWith("MinSamples: '-1'"));
        Assert.That(errors, Has.Some.StartsWith("Frequency: 'fast'"));
        Assert.That(errors, Has.Some.StartsWith("Event:"));
        Assert.That(errors, Has.Some.StartsWith("Formats: unknown format 'svg'"));
        Assert.That(errors, Has.Some.StartsWith("KeepPerfData: 'maybe'"));
        Assert.That(errors, Has.Some.StartsWith("Colour: unknown setting"));
    }
}

public class ArtifactFileNameTests
{
    [TestCase("Ns.Class.Method", "Ns.Class.Method")]
    [TestCase("Ns.Class.Method(\"a/b\",1)", "Ns.Class.Method(_a_b_,1)")]
    [TestCase("../../etc/passwd", "__.__etc_passwd")]
    [TestCase("..", "_")]
    [TestCase("a:b<c>d|e?f*g\\h", "a_b_c_d_e_f_g_h")]
    public void Test_names_become_safe_readable_file_names(string testName, string expected)
    {
        Assert.That(ArtifactFileName.From(testName), Is.EqualTo(expected));
    }

    [Test]
    public void Long_names_are_cut_with_a_hash_so_that_distinct_names_stay_distinct()
    {
        string a = ArtifactFileName.From(new string('x', 300) + "A");
        string b = ArtifactFileName.From(new string('x', 300) + "B");
        Assert.That(a.Length, Is.LessThanOrEqualTo(ArtifactFileName.MaxLength));
        Assert.That(a, Is.Not.EqualTo(b));
    }

    [TestCase("Ns.Class.Method", "Ns.Class", "Method")]
    [TestCase("Ns.Outer+Inner.Method(1,\"x.y\")", "Ns.Outer+Inner", "Method")]
    public void A_test_name_splits_into_the_type_and_method_the_perf_map_names(string name, string type, string method)
    {
        Assert.That(TestMethodLocator.SplitName(name), Is.EqualTo((type, method)));
    }
}
