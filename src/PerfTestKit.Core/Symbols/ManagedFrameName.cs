namespace PerfTestKit.Symbols;

/// <summary>
/// Splits a runtime perf map name such as
/// <c>instance int64 [HotLoop] HotLoop.Burner::SpinPrimes(int32)[OptimizedTier1]</c>
/// into the method (<c>HotLoop.Burner::SpinPrimes(int32)</c>) and its assembly (<c>HotLoop</c>).
/// The return type and the JIT tier are dropped so that one method is one frame, whatever its tier.
/// </summary>
public static class ManagedFrameName
{
    public const string StubModule = "[.NET runtime stubs]";

    public static (string Method, string Assembly) Split(string raw)
    {
        if (raw.StartsWith("stub<", StringComparison.Ordinal) || raw.StartsWith("stub ", StringComparison.Ordinal))
        {
            return (raw, StubModule);
        }
        for (int open = raw.IndexOf('['); open >= 0; open = raw.IndexOf('[', open + 1))
        {
            if (open > 0 && raw[open - 1] != ' ') continue;
            int close = raw.IndexOf(']', open + 1);
            if (close < 0) break;
            if (close == open + 1 || close + 1 >= raw.Length || raw[close + 1] != ' ') continue;
            var assembly = raw.AsSpan(open + 1, close - open - 1);
            if (assembly.Contains(' ')) continue;
            return (StripTier(raw[(close + 2)..]), assembly.ToString());
        }
        return (StripTier(raw), "[.NET]");
    }

    private static string StripTier(string method)
    {
        if (!method.EndsWith(']')) return method;
        int open = method.LastIndexOf('[');
        int paren = method.LastIndexOf(')');
        return open > 0 && open > paren ? method[..open] : method;
    }
}
