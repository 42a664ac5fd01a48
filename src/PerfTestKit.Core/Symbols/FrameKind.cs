namespace PerfTestKit.Symbols;

/// <summary>Where a frame's code lives; writers colour and categorise by it.</summary>
public enum FrameKind : byte
{
    Unknown = 0,
    Kernel = 1,
    Native = 2,
    Managed = 3,
}

/// <summary>A named frame: the unit the stack model interns.</summary>
public readonly record struct FrameInfo(string Name, string Module, FrameKind Kind)
{
    public const string UnknownName = "[unknown]";

    /// <summary>"name (in module)", the form perf's gecko script and the Firefox Profiler use.</summary>
    public string Location => Module.Length == 0 ? Name : $"{Name} (in {Module})";
}
