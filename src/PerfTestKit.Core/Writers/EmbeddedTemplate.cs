using System.Text;

namespace PerfTestKit.Writers;

/// <summary>
/// An HTML page compiled into this assembly, split once at its data placeholder into the UTF-8 bytes before and
/// after it. Each test's end writes a page: copying and re-encoding the template every time was ~80 KB of garbage.
/// </summary>
internal sealed class EmbeddedTemplate
{
    private readonly byte[] _head;
    private readonly byte[] _tail;

    private EmbeddedTemplate(byte[] head, byte[] tail)
    {
        _head = head;
        _tail = tail;
    }

    /// <summary>Loads resource <paramref name="name"/>, which must hold <paramref name="placeholder"/> once.</summary>
    public static EmbeddedTemplate Load(string name, string placeholder)
    {
        using var stream = typeof(EmbeddedTemplate).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the template {name} is missing from the assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray().AsSpan();
        // The resources are UTF-8 files; a byte order mark, if an editor adds one, must not reach the page.
        if (bytes.StartsWith(Encoding.UTF8.Preamble)) bytes = bytes[Encoding.UTF8.Preamble.Length..];
        var marker = Encoding.UTF8.GetBytes(placeholder);
        int at = bytes.IndexOf(marker);
        if (at < 0) throw new InvalidOperationException($"the template {name} has no data placeholder");
        return new EmbeddedTemplate(bytes[..at].ToArray(), bytes[(at + marker.Length)..].ToArray());
    }

    /// <summary>Writes the page with <paramref name="writeData"/>'s output where the placeholder was.</summary>
    public void Write(Stream output, Action<Stream> writeData)
    {
        output.Write(_head);
        writeData(output);
        output.Write(_tail);
    }
}
