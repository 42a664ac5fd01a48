namespace PerfTestKit.Writers;

/// <summary>Each distinct string once, by index in the order first seen: the string tables our JSON formats carry.</summary>
internal sealed class StringTable
{
    private readonly Dictionary<string, int> _indices = new(StringComparer.Ordinal);
    private readonly List<string> _strings = new();

    public IReadOnlyList<string> Strings => _strings;

    public int Intern(string text)
    {
        if (!_indices.TryGetValue(text, out int index))
        {
            _indices[text] = index = _strings.Count;
            _strings.Add(text);
        }
        return index;
    }
}
