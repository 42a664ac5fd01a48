using PerfTestKit.PerfData;
using PerfTestKit.Symbols;

namespace PerfTestKit.Model;

/// <summary>Reads a whole perf.data file or stream into a <see cref="Profile"/>.</summary>
public static class ProfileLoader
{
    public static Profile Load(string path, SymbolizerOptions? symbols = null)
    {
        using var reader = PerfDataReader.Open(path);
        return Load(reader, path, symbols);
    }

    public static Profile Load(Stream stream, string source, SymbolizerOptions? symbols = null)
    {
        using var reader = PerfDataReader.Open(stream, leaveOpen: true);
        return Load(reader, source, symbols);
    }

    /// <summary>
    /// Reads every record. Damage inside the data section keeps the good part and becomes a warning;
    /// header errors and unsupported files throw <see cref="PerfFormatException"/>.
    /// </summary>
    public static Profile Load(PerfDataReader reader, string source, SymbolizerOptions? symbols = null) =>
        Load(reader, source, new Symbolizer(symbols));

    /// <summary>Reads with a symbolizer that may already hold loaded symbols (several files of one machine).</summary>
    public static Profile Load(PerfDataReader reader, string source, Symbolizer symbolizer)
    {
        var profile = new Profile { Source = source, Session = reader.Info, Events = reader.Attributes };
        // A sample with a call chain takes 170-190 bytes in the recordings measured (bench/): 128 errs on the high side.
        if (reader.DataBytes is { } bytes) profile.ReserveSamples(bytes / 128);
        var builder = new ProfileBuilder(profile, symbolizer);
        symbolizer.PrefetchKernelSymbols();
        try
        {
            ReadAhead.ForEach(reader, builder.Add, builder.Peek);
        }
        finally
        {
            profile.Samples.EndPrefault();
        }
        builder.Finish();
        profile.Warnings.InsertRange(0, reader.Warnings);
        return profile;
    }
}
