using PerfTestKit.Model;
using PerfTestKit.Symbols;

namespace PerfTestKit.Profiling;

/// <summary>Each frame's <see cref="SourceMethod"/>, worked out once per frame of a profile (frames only grow).</summary>
internal sealed class SourceMethodTable
{
    private readonly Profile _profile;
    private string?[] _methods = Array.Empty<string?>();
    private bool[] _known = Array.Empty<bool>();

    public SourceMethodTable(Profile profile) => _profile = profile;

    /// <summary>Whether this table is for <paramref name="profile"/> (a recording's profile is replaced once its reader opens).</summary>
    public bool Describes(Profile profile) => ReferenceEquals(profile, _profile);

    /// <summary>The source method of a .NET frame ("Type.Method"), or null for native, kernel and unnamed frames.</summary>
    public string? Of(int frame)
    {
        if (_known.Length <= frame)
        {
            int size = Math.Max(_profile.Frames.Count, frame + 1);
            Array.Resize(ref _methods, size);
            Array.Resize(ref _known, size);
        }
        if (_known[frame]) return _methods[frame];
        var info = _profile.Frames[frame];
        string? method = info.Kind == FrameKind.Managed ? SourceMethod.Of(info.Name) : null;
        _methods[frame] = method;
        _known[frame] = true;
        return method;
    }
}
