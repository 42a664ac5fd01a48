using System.Collections.Concurrent;
using System.Reflection;

namespace PerfTestKit.Profiling;

/// <summary>
/// Inside the test host: the type that declares a test's method, when a base class does (inherited tests, abstract
/// fixtures). Frames name the declaring type, test names the derived one, so the profiler needs both. Looked up by
/// reflection on the assemblies the host already loaded, once per test method. Depends on nothing else in Core: the
/// VSTest in-process collector compiles it in.
/// </summary>
public static class TestMethodDeclarations
{
    private static readonly ConcurrentDictionary<(string Assembly, string Type, string Method), string?> Known = new();

    /// <summary>
    /// The declaring type's full name ("Namespace.Base", nested types with '+') when it is not <paramref name="typeName"/>;
    /// null when it is, or when the method cannot be found. <paramref name="assembly"/> is the test assembly's path or full name.
    /// </summary>
    public static string? DeclaringType(string? assembly, string typeName, string methodName)
    {
        if (string.IsNullOrEmpty(assembly) || typeName.Length == 0 || methodName.Length == 0) return null;
        return Known.GetOrAdd((assembly, typeName, methodName), static key =>
        {
            try
            {
                var type = Loaded(key.Assembly)?.GetType(key.Type, throwOnError: false);
                var method = type?.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
                    .FirstOrDefault(m => m.Name == key.Method);
                string? declaring = method?.DeclaringType?.FullName;
                return declaring is null || declaring == type!.FullName ? null : declaring;
            }
            catch (Exception e) when (e is TypeLoadException or ReflectionTypeLoadException or FileNotFoundException or BadImageFormatException or NotSupportedException)
            {
                return null;
            }
        });
    }

    /// <summary>The same for "Namespace.Class.Method(args)", the name VSTest gives a test.</summary>
    public static string? DeclaringTypeOfTest(string? assembly, string fullyQualifiedName)
    {
        string name = fullyQualifiedName;
        int paren = name.IndexOf('(');
        if (paren >= 0) name = name[..paren];
        int dot = name.LastIndexOf('.');
        return dot <= 0 ? null : DeclaringType(assembly, name[..dot], name[(dot + 1)..]);
    }

    private static Assembly? Loaded(string assembly)
    {
        foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (loaded.IsDynamic) continue;
            if (string.Equals(loaded.FullName, assembly, StringComparison.Ordinal)) return loaded;
            string location;
            try { location = loaded.Location; }
            catch (NotSupportedException) { continue; }
            if (location.Length > 0 && string.Equals(Path.GetFullPath(location), Path.GetFullPath(assembly), StringComparison.Ordinal)) return loaded;
        }
        return null;
    }
}
