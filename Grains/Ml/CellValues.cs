using System.Globalization;

namespace OrleansMl.Ml;

/// <summary>How cell text is read: missing markers, numbers (invariant culture) and boolean words.</summary>
internal static class CellValues
{
    private static readonly string[] MissingTokens = ["NA", "N/A", "NaN", "null", "?"];

    private static readonly string[] TrueWords = ["true", "yes", "t", "y"];

    private static readonly string[] FalseWords = ["false", "no", "f", "n"];

    public static bool IsMissing(ReadOnlySpan<char> cell)
    {
        if (cell.IsEmpty)
        {
            return true;
        }

        if (cell.Length > 4)
        {
            return false;
        }

        foreach (var token in MissingTokens)
        {
            if (cell.Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Parses a finite number written in invariant culture. The whole cell must be consumed, so "1,5" (a decimal
    /// comma), "1.5kg" or "0x10" are not numbers.
    /// </summary>
    public static bool TryParseNumber(ReadOnlySpan<char> cell, out float value)
    {
        if (csFastFloat.FastFloatParser.TryParseFloat(cell, out var consumed, out value)
            && consumed == cell.Length
            && float.IsFinite(value))
        {
            return true;
        }

        value = float.NaN;
        return false;
    }

    /// <summary>Parses true/false, yes/no, t/f, y/n (case-insensitive). 0/1 are numbers, not boolean words.</summary>
    public static bool TryParseBoolWord(ReadOnlySpan<char> cell, out bool value)
    {
        if (cell.Length <= 5)
        {
            foreach (var word in TrueWords)
            {
                if (cell.Equals(word, StringComparison.OrdinalIgnoreCase))
                {
                    value = true;
                    return true;
                }
            }

            foreach (var word in FalseWords)
            {
                if (cell.Equals(word, StringComparison.OrdinalIgnoreCase))
                {
                    value = false;
                    return true;
                }
            }
        }

        value = false;
        return false;
    }

    /// <summary>The opposite word of a boolean spelling, keeping its case style ("Yes" → "No", "T" → "F").</summary>
    public static string Opposite(string spelling)
    {
        var index = Array.FindIndex(TrueWords, w => w.Equals(spelling, StringComparison.OrdinalIgnoreCase));
        string opposite;
        if (index >= 0)
        {
            opposite = FalseWords[index];
        }
        else
        {
            index = Array.FindIndex(FalseWords, w => w.Equals(spelling, StringComparison.OrdinalIgnoreCase));
            opposite = index >= 0 ? TrueWords[index] : spelling;
        }

        if (spelling.All(char.IsUpper))
        {
            return opposite.ToUpperInvariant();
        }

        return char.IsUpper(spelling[0]) ? char.ToUpperInvariant(opposite[0]) + opposite[1..] : opposite;
    }

    /// <summary>Formats a number the way labels and categories are written back: "1", not "1.0".</summary>
    public static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Formats a request number for a text column.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// True when the column name has "id" as a word: "id", "customer_id", "CustomerId", "userID", "id-card";
    /// not "valid" or "width".
    /// </summary>
    public static bool IsIdName(string name)
    {
        var start = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            var boundary = i == name.Length
                || !char.IsLetterOrDigit(name[i])
                || (i > start && char.IsUpper(name[i]) && char.IsLower(name[i - 1]));
            if (!boundary)
            {
                continue;
            }

            if (i - start == 2 && name.AsSpan(start, 2).Equals("id", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            start = i < name.Length && char.IsLetterOrDigit(name[i]) ? i : i + 1;
        }

        return false;
    }
}
