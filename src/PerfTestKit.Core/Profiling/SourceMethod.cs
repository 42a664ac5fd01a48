namespace PerfTestKit.Profiling;

/// <summary>
/// The method a .NET frame's code was written in, as "Type.Method": compiler-generated code counts for the method
/// it came from, so that a test's async state machine (<c>T+&lt;M&gt;d__2::MoveNext</c>), lambdas and closures
/// (<c>T+&lt;&gt;c__DisplayClass2_0::&lt;M&gt;b__0</c>, <c>T+&lt;&gt;c::&lt;M&gt;b__2_0</c>) and local functions
/// (<c>T::&lt;M&gt;g__Local|2_0</c>) are the test's own work, on whatever thread they run.
/// </summary>
public static class SourceMethod
{
    /// <summary>"Type.Method" for a frame named "Type::Method(args)" (the runtime's perf map form); null when it is not one.</summary>
    public static string? Of(string frameName)
    {
        int separator = frameName.IndexOf("::", StringComparison.Ordinal);
        if (separator <= 0) return null;
        string type = frameName[..separator];
        int end = frameName.IndexOf('(', separator + 2);
        string method = end < 0 ? frameName[(separator + 2)..] : frameName[(separator + 2)..end];

        // The first compiler-generated nested type ("<...>") ends the type the code was written in.
        // (Not inside generic arguments: AsyncStateMachineBox`1[...,T+<M>d__0] is the runtime's code.)
        int arguments = type.IndexOf('[');
        int generated = type.IndexOf("+<", 0, arguments < 0 ? type.Length : arguments, StringComparison.Ordinal);
        if (generated >= 0)
        {
            // The source method is the first "<Name>" in what follows: in the nested type (<M>d__2, <<M>b__2_0>d)
            // or, for closure classes (<>c, <>c__DisplayClass2_0), in the method's name.
            string source = FirstAngleName(type[(generated + 1)..]) ?? FirstAngleName(method) ?? "";
            return source.Length == 0 ? null : $"{type[..generated]}.{source}";
        }
        if (method.StartsWith('<')) return FirstAngleName(method) is { Length: > 0 } inner ? $"{type}.{inner}" : null;
        // Generic methods carry their arguments in brackets: Method[System.__Canon].
        int bracket = method.IndexOfAny(GenericOpen);
        return $"{type}.{(bracket > 0 ? method[..bracket] : method)}";
    }

    private static readonly char[] GenericOpen = { '[', '<' };

    /// <summary>The first non-empty name between '&lt;' and '&gt;' with no '&lt;' inside, or null.</summary>
    private static string? FirstAngleName(string text)
    {
        for (int open = text.IndexOf('<'); open >= 0; open = text.IndexOf('<', open + 1))
        {
            int close = text.IndexOf('>', open + 1);
            if (close < 0) return null;
            int nested = text.IndexOf('<', open + 1, close - open - 1);
            if (nested >= 0) continue;
            if (close > open + 1) return text[(open + 1)..close];
        }
        return null;
    }

    /// <summary>"Type.Method" of a test's name ("Namespace.Class.Method" or with an argument list).</summary>
    public static string OfTestName(string fullyQualifiedName)
    {
        var (type, method) = TestMethodLocator.SplitName(fullyQualifiedName);
        return type.Length == 0 ? method : $"{type}.{method}";
    }
}
