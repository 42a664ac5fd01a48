using System.Collections.Concurrent;

namespace PerfTestKit.Symbols;

/// <summary>Where the symbolizer looks for names.</summary>
public sealed record SymbolizerOptions
{
    /// <summary>Directories holding the runtime's perf-PID.map and jit-PID.dump files.</summary>
    public IReadOnlyList<string> PerfMapDirectories { get; init; } = new[] { "/tmp" };

    /// <summary>Kernel symbols; perf.data from another boot needs that boot's copy.</summary>
    public string KallsymsPath { get; init; } = "/proc/kallsyms";
}

/// <summary>
/// Names addresses: kernel ones through kallsyms; user ones through the ELF file they are mapped from, else
/// through the process's .NET perf map and jitdump by absolute address (JIT code in anonymous or
/// memfd:doublemapper mappings, ReadyToRun code inside a .dll mapping). Each image and map is read once.
/// </summary>
public sealed class Symbolizer
{
    private readonly SymbolizerOptions _options;
    // Each image read once, whoever asks first: the reading thread's prefetch or the thread resolving frames.
    private readonly ConcurrentDictionary<string, Lazy<ElfImage?>> _images = new(StringComparer.Ordinal);
    private readonly Dictionary<int, ManagedSymbols> _managed = new();
    private readonly Dictionary<string, string> _moduleNames = new(StringComparer.Ordinal);
    private readonly Lazy<ElfImage?> _vdso = new(VdsoImage.Load);
    private KernelSymbols? _kernel;
    private Task<KernelSymbols>? _kernelLoading;

    public Symbolizer(SymbolizerOptions? options = null)
    {
        _options = options ?? new SymbolizerOptions();
    }

    /// <summary>
    /// Starts reading kallsyms on the thread pool, so that it overlaps the reading of the recording (it is a good
    /// part of converting a small file); the first kernel frame waits for it.
    /// </summary>
    public void PrefetchKernelSymbols()
    {
        if (_kernel is null) _kernelLoading ??= Task.Run(() => KernelSymbols.Load(_options.KallsymsPath));
    }

    /// <summary>
    /// Starts reading an image's symbols on the thread pool as soon as the recording shows it mapped, so that the
    /// thread building the profile rarely waits for one (reading the ELF files was a third of converting a small
    /// file). Safe to call from another thread than the one resolving frames.
    /// </summary>
    public void PrefetchImage(string fileName)
    {
        if (!IsFileBacked(fileName) || _images.ContainsKey(fileName)) return;
        var load = ImageLoad(fileName);
        if (_images.TryAdd(fileName, load)) ThreadPool.UnsafeQueueUserWorkItem(l => _ = l.Value, load, preferLocal: false);
    }

    private KernelSymbols Kernel => _kernel ??= _kernelLoading?.GetAwaiter().GetResult() ?? KernelSymbols.Load(_options.KallsymsPath);

    /// <summary>Goes up each time a refresh found new managed symbols: names that were unknown may be known now.</summary>
    public int Generation { get; private set; }

    /// <summary>While a process runs, its runtime keeps appending to its perf map and jitdump: read what was added.</summary>
    public void RefreshManagedSymbols()
    {
        foreach (var symbols in _managed.Values)
        {
            if (symbols.Refresh()) Generation++;
        }
    }

    /// <summary>
    /// Whether a kernel frame had to go unnamed because kallsyms showed no addresses to this user (the profile's
    /// warnings say why and how to fix it).
    /// </summary>
    public bool KernelNamesHidden { get; private set; }

    public FrameInfo ResolveKernel(ulong address)
    {
        if (Kernel.Count == 0) KernelNamesHidden = true;
        return Kernel.Lookup(address) is { } hit
            ? new FrameInfo(hit.Name, hit.Module, FrameKind.Kernel)
            : new FrameInfo(FrameInfo.UnknownName, KernelSymbols.KernelModule, FrameKind.Kernel);
    }

    public FrameInfo ResolveUser(int pid, ProcessMaps maps, ulong address)
    {
        var mapping = maps.Find(address);
        var image = mapping is null ? null
            : mapping.FileName == VdsoImage.MappingName ? _vdso.Value
            : IsFileBacked(mapping.FileName) ? Image(mapping.FileName)
            : null;
        if (mapping is not null && image is not null)
        {
            ulong offset = address - mapping.Start + mapping.PageOffset;
            string? name = image.Symbols.Lookup(image.FileOffsetToAddress(offset));
            return new FrameInfo(name ?? FrameInfo.UnknownName, ModuleName(mapping.FileName), name is null ? FrameKind.Unknown : FrameKind.Native);
        }
        if (Managed(pid) is { } managed && managed.Lookup(address) is { } raw)
        {
            var (method, assembly) = ManagedFrameName.Split(raw);
            return new FrameInfo(method, assembly, FrameKind.Managed);
        }
        return new FrameInfo(FrameInfo.UnknownName, mapping is null ? FrameInfo.UnknownName : ModuleName(mapping.FileName), FrameKind.Unknown);
    }

    private static bool IsFileBacked(string fileName) =>
        fileName.StartsWith('/') && !fileName.StartsWith("/memfd:", StringComparison.Ordinal) && !fileName.EndsWith(" (deleted)", StringComparison.Ordinal);

    /// <summary>The image's symbols; a prefetch under way is waited for rather than repeated.</summary>
    private ElfImage? Image(string path) => _images.GetOrAdd(path, ImageLoad).Value;

    private static Lazy<ElfImage?> ImageLoad(string path) => new(() => ElfImage.TryLoad(path));

    private ManagedSymbols? Managed(int pid)
    {
        if (!_managed.TryGetValue(pid, out var symbols))
        {
            _managed[pid] = symbols = ManagedSymbols.Load(pid, _options.PerfMapDirectories);
        }
        return symbols.Exists ? symbols : null;
    }

    /// <summary>The file name alone ("libc.so.6"); bracketed names such as [vdso] stay as they are.</summary>
    private string ModuleName(string fileName)
    {
        if (!_moduleNames.TryGetValue(fileName, out var name))
        {
            name = fileName.StartsWith('/') ? Path.GetFileName(fileName) : fileName;
            if (name.Length == 0) name = fileName;
            _moduleNames[fileName] = name;
        }
        return name;
    }
}
