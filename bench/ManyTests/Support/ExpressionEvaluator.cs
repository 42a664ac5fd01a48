namespace ManyTests;

/// <summary>A recursive-descent evaluator of integer expressions with + - * and parentheses.</summary>
public static class ExpressionEvaluator
{
    public static long Evaluate(string text)
    {
        int position = 0;
        long value = ParseSum(text, ref position);
        SkipSpaces(text, ref position);
        if (position != text.Length) throw new FormatException($"unexpected '{text[position]}' at {position} in {text}");
        return value;
    }

    private static long ParseSum(string text, ref int position)
    {
        long value = ParseProduct(text, ref position);
        while (true)
        {
            SkipSpaces(text, ref position);
            if (position < text.Length && text[position] is '+' or '-')
            {
                char op = text[position++];
                long right = ParseProduct(text, ref position);
                value = op == '+' ? value + right : value - right;
            }
            else return value;
        }
    }

    private static long ParseProduct(string text, ref int position)
    {
        long value = ParseAtom(text, ref position);
        while (true)
        {
            SkipSpaces(text, ref position);
            if (position < text.Length && text[position] == '*')
            {
                position++;
                value *= ParseAtom(text, ref position);
            }
            else return value;
        }
    }

    private static long ParseAtom(string text, ref int position)
    {
        SkipSpaces(text, ref position);
        if (position >= text.Length) throw new FormatException($"unexpected end of {text}");
        if (text[position] == '(')
        {
            position++;
            long value = ParseSum(text, ref position);
            SkipSpaces(text, ref position);
            if (position >= text.Length || text[position] != ')') throw new FormatException($"missing ')' in {text}");
            position++;
            return value;
        }
        long number = 0;
        int start = position;
        while (position < text.Length && char.IsAsciiDigit(text[position])) number = number * 10 + (text[position++] - '0');
        if (position == start) throw new FormatException($"expected a number at {position} in {text}");
        return number;
    }

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && text[position] == ' ') position++;
    }
}
