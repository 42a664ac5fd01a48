using System.Runtime.CompilerServices;
using System.Text;

namespace ManyTests;

/// <summary>
/// The heavy tests' workloads: each about <c>cpuMs</c> of CPU spent in its own method (not inlined, the work written
/// out in it), so a profile names it as the test's hottest frame.
/// </summary>
public static class HeavyWork
{
    private static readonly string Document = MakeDocument();
    private static readonly string Source = MakeSource();
    private static readonly byte[] Blocks = MakeBytes(64 * 1024, 3, runs: false);
    private static readonly byte[] Runs = MakeBytes(64 * 1024, 5, runs: true);
    private static readonly int[] Shuffled = MakeInts(2000, 9);

    private static string MakeDocument()
    {
        var random = new Random(1);
        var sb = new StringBuilder();
        for (var line = 0; line < 2000; line++)
        {
            sb.Append("item").Append(line).Append(',').Append(random.Next(100000)).Append(',')
              .Append(random.Next(1000)).Append('.').Append(random.Next(100)).Append(",\"quoted, text\"\n");
        }
        return sb.ToString();
    }

    private static string MakeSource()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 800; i++)
        {
            sb.Append("    var value").Append(i).Append(" = Compute(").Append(i * 7).Append(", \"text\") + other[")
              .Append(i % 13).Append("]; // note\n");
        }
        return sb.ToString();
    }

    private static byte[] MakeBytes(int size, int seed, bool runs)
    {
        var random = new Random(seed);
        var bytes = new byte[size];
        for (var i = 0; i < size;)
        {
            int length = runs ? random.Next(1, 40) : 1;
            byte value = (byte)random.Next(256);
            for (var k = 0; k < length && i < size; k++) bytes[i++] = value;
        }
        return bytes;
    }

    private static int[] MakeInts(int count, int seed)
    {
        var random = new Random(seed);
        var values = new int[count];
        for (var i = 0; i < count; i++) values[i] = random.Next();
        return values;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long ParseHugeDocument(int cpuMs)
    {
        var doc = Document;
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long total = 0;
        do
        {
            long number = 0;
            bool quoted = false;
            int fields = 0;
            foreach (var c in doc)
            {
                if (c == '"') quoted = !quoted;
                else if (quoted) continue;
                else if (c is >= '0' and <= '9') number = number * 10 + (c - '0');
                else if (c == ',' || c == '\n') { total += number; number = 0; fields++; }
            }
            total += fields;
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long HashManyBlocks(int cpuMs)
    {
        var data = Blocks;
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long total = 0;
        do
        {
            for (var block = 0; block < data.Length; block += 4096)
            {
                ulong hash = 14695981039346656037UL;
                for (var i = block; i < block + 4096; i++) hash = (hash ^ data[i]) * 1099511628211UL;
                total ^= (long)hash;
            }
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SortLargeArray(int cpuMs)
    {
        var values = new int[Shuffled.Length];
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long total = 0;
        do
        {
            Shuffled.CopyTo(values, 0);
            // Shell sort, written out so that the time is this method's own.
            for (var gap = values.Length / 2; gap > 0; gap /= 2)
            {
                for (var i = gap; i < values.Length; i++)
                {
                    int v = values[i], j = i;
                    while (j >= gap && values[j - gap] > v) { values[j] = values[j - gap]; j -= gap; }
                    values[j] = v;
                }
            }
            total += values[0];
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long CompressRunLengths(int cpuMs)
    {
        var data = Runs;
        var output = new byte[data.Length * 2];
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long total = 0;
        do
        {
            int o = 0;
            for (var i = 0; i < data.Length;)
            {
                byte value = data[i];
                int length = 1;
                while (i + length < data.Length && data[i + length] == value && length < 255) length++;
                output[o++] = (byte)length;
                output[o++] = value;
                i += length;
            }
            total += o;
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long MultiplyMatrices(int cpuMs)
    {
        const int N = 48;
        var a = new double[N * N];
        var b = new double[N * N];
        var c = new double[N * N];
        for (var i = 0; i < a.Length; i++) { a[i] = (i % 11) * 0.5; b[i] = (i % 13) * 0.25; }
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        double trace = 0;
        do
        {
            for (var i = 0; i < N; i++)
                for (var j = 0; j < N; j++)
                {
                    double sum = 0;
                    for (var k = 0; k < N; k++) sum += a[i * N + k] * b[k * N + j];
                    c[i * N + j] = sum;
                }
            for (var i = 0; i < N; i++) trace += c[i * N + i];
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return (long)trace;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SearchPrimes(int cpuMs)
    {
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long found = 0, candidate = 1_000_001;
        do
        {
            for (var k = 0; k < 50; k++, candidate += 2)
            {
                bool prime = true;
                for (long d = 3; d * d <= candidate; d += 2)
                {
                    if (candidate % d == 0) { prime = false; break; }
                }
                if (prime) found++;
            }
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return found;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long AlignSequences(int cpuMs)
    {
        const string left = "GATTACAGATTACACCGTAGCTAGCTAGGCTTACGATCGATCGGATCGATCGTAGCTAGCTAGCTAGGGATCCATGCATGCA";
        const string right = "GATCACAGGTTACACCGTAGCAAGCTAGGCTTTCGATCGTTCGGATCGATGGTAGCTAGCAAGCTAGGGAACCATGCAAGCA";
        var previous = new int[right.Length + 1];
        var current = new int[right.Length + 1];
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long total = 0;
        do
        {
            for (var j = 0; j <= right.Length; j++) previous[j] = j;
            for (var i = 1; i <= left.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= right.Length; j++)
                {
                    int diagonal = previous[j - 1] + (left[i - 1] == right[j - 1] ? 0 : 1);
                    int best = current[j - 1] + 1;
                    if (previous[j] + 1 < best) best = previous[j] + 1;
                    current[j] = diagonal < best ? diagonal : best;
                }
                (previous, current) = (current, previous);
            }
            total += previous[right.Length];
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long TokenizeSourceFile(int cpuMs)
    {
        var text = Source;
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long identifiers = 0, numbers = 0, punctuation = 0;
        do
        {
            for (var i = 0; i < text.Length;)
            {
                char c = text[i];
                if (c == ' ' || c == '\n') { i++; }
                else if (c == '/' && i + 1 < text.Length && text[i + 1] == '/') { while (i < text.Length && text[i] != '\n') i++; }
                else if (c == '"') { i++; while (i < text.Length && text[i] != '"') i++; i++; punctuation++; }
                else if (char.IsAsciiLetter(c)) { while (i < text.Length && char.IsAsciiLetterOrDigit(text[i])) i++; identifiers++; }
                else if (char.IsAsciiDigit(c)) { while (i < text.Length && char.IsAsciiDigit(text[i])) i++; numbers++; }
                else { i++; punctuation++; }
            }
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return identifiers * 3 + numbers * 5 + punctuation;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long WalkBinaryTree(int cpuMs)
    {
        // A complete binary tree in an array (children of i at 2i+1, 2i+2), walked depth first with an explicit stack.
        const int Nodes = (1 << 14) - 1;
        var stack = new int[64];
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long total = 0;
        do
        {
            int top = 0;
            stack[top++] = 0;
            while (top > 0)
            {
                int node = stack[--top];
                total += node & 7;
                int left = 2 * node + 1;
                if (left < Nodes) { stack[top++] = left + 1; stack[top++] = left; }
            }
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return total;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SimulateParticles(int cpuMs)
    {
        const int N = 64;
        var x = new double[N];
        var y = new double[N];
        var vx = new double[N];
        var vy = new double[N];
        for (var i = 0; i < N; i++) { x[i] = i % 8; y[i] = i / 8; }
        double end = CpuClock.ThreadMilliseconds() + cpuMs;
        long steps = 0;
        do
        {
            for (var i = 0; i < N; i++)
            {
                double fx = 0, fy = 0;
                for (var j = 0; j < N; j++)
                {
                    if (i == j) continue;
                    double dx = x[j] - x[i], dy = y[j] - y[i];
                    double d2 = dx * dx + dy * dy + 0.01;
                    double inv = 1.0 / (d2 * Math.Sqrt(d2));
                    fx += dx * inv;
                    fy += dy * inv;
                }
                vx[i] += fx * 1e-4;
                vy[i] += fy * 1e-4;
            }
            for (var i = 0; i < N; i++) { x[i] += vx[i] * 1e-3; y[i] += vy[i] * 1e-3; }
            steps++;
        }
        while (CpuClock.ThreadMilliseconds() < end);
        return steps;
    }
}
