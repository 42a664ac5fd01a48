namespace PerfTestKit.PerfData;

/// <summary>Decodes the feature sections the converter uses; others are left alone.</summary>
internal static class FeatureParser
{
    public static void Apply(int feature, ReadOnlySpan<byte> data, bool bigEndian, long offset,
        PerfSessionInfo info, IReadOnlyList<PerfEventAttr> attrs)
    {
        var c = new ByteCursor(data, bigEndian, offset);
        switch (feature)
        {
            case PerfFeature.Hostname: info.Hostname = c.HeaderString(); break;
            case PerfFeature.OsRelease: info.OsRelease = c.HeaderString(); break;
            case PerfFeature.Version: info.PerfVersion = c.HeaderString(); break;
            case PerfFeature.Arch: info.Architecture = c.HeaderString(); break;
            case PerfFeature.NrCpus:
                info.CpusAvailable = (int)c.U32();
                info.CpusOnline = (int)c.U32();
                break;
            case PerfFeature.CmdLine:
                uint count = c.U32();
                var args = new List<string>();
                for (uint i = 0; i < count && c.Remaining >= 4; i++) args.Add(c.HeaderString());
                info.CommandLine = args;
                break;
            case PerfFeature.EventDesc: ApplyEventNames(ref c, attrs); break;
            case PerfFeature.ClockData:
                c.U32(); // version
                info.ClockId = (int)c.U32();
                info.ReferenceWallClockNs = c.U64();
                info.ReferenceClockTimeNs = c.U64();
                break;
        }
    }

    /// <summary>EVENT_DESC: for each event its attr, its ids and its name; names are matched to attrs by id.</summary>
    private static void ApplyEventNames(ref ByteCursor c, IReadOnlyList<PerfEventAttr> attrs)
    {
        uint events = c.U32();
        uint attrSize = c.U32();
        for (uint e = 0; e < events && c.Remaining > 0; e++)
        {
            c.Skip((int)Math.Min(attrSize, (uint)c.Remaining));
            uint ids = c.U32();
            string name = c.HeaderString();
            if (ids > (uint)c.Remaining / 8) return;
            var idList = new List<ulong>();
            for (uint i = 0; i < ids; i++) idList.Add(c.U64());
            var target = attrs.FirstOrDefault(a => a.Ids.Any(idList.Contains)) ?? (e < attrs.Count ? attrs[(int)e] : null);
            if (target is not null && name.Length > 0) target.Name = name;
        }
    }
}
