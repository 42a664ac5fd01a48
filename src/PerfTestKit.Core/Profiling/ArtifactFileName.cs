using System.Security.Cryptography;
using System.Text;

namespace PerfTestKit.Profiling;

/// <summary>
/// Turns a test name into a file name that is safe on every file system and readable: unsafe characters become
/// '_', no "..", no leading dot, and a name too long is cut with a short hash so distinct names stay distinct.
/// </summary>
public static class ArtifactFileName
{
    public const int MaxLength = 100;

    public static string From(string testName)
    {
        var text = new StringBuilder(testName.Length);
        foreach (char c in testName)
        {
            bool safe = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '-' or '_' or '(' or ')' or ',';
            text.Append(safe ? c : '_');
        }
        string name = text.ToString();
        while (name.Contains("..", StringComparison.Ordinal)) name = name.Replace("..", "._", StringComparison.Ordinal);
        name = name.TrimStart('.');
        if (name.Length == 0) name = "test";
        if (name.Length > MaxLength || !string.Equals(name, testName, StringComparison.Ordinal) && name.Length > MaxLength - 9)
        {
            string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(testName)))[..8].ToLowerInvariant();
            name = name[..Math.Min(name.Length, MaxLength - 9)] + "-" + hash;
        }
        return name;
    }
}
