using System.Text.RegularExpressions;

namespace OrleansMl;

/// <summary>
/// Patterns that limit a key or token to some model and dataset names: a name, or a name with <c>*</c> standing for
/// any run of characters (<c>fraud-*</c>, <c>*-staging</c>, <c>*</c>). Matching is case-sensitive, as names are.
/// </summary>
public static partial class NamePatterns
{
    /// <summary>True when <paramref name="pattern"/> is 1–64 name characters ('.', '_', '-', ASCII letters, digits) or '*'.</summary>
    public static bool IsValid(string? pattern) => pattern is not null && PatternSyntax().IsMatch(pattern);

    /// <summary>True when <paramref name="name"/> matches <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string name)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(name);
        return Matches(pattern.AsSpan(), name.AsSpan());
    }

    /// <summary>True when <paramref name="name"/> matches any of <paramref name="patterns"/>.</summary>
    public static bool MatchesAny(IEnumerable<string> patterns, string name)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return patterns.Any(p => Matches(p, name));
    }

    // Greedy glob matching with backtracking to the last star: linear in practice for names of at most 64 characters.
    private static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = n;
            }
            else if (p < pattern.Length && pattern[p] == name[n])
            {
                p++;
                n++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    [GeneratedRegex(@"^[A-Za-z0-9._*-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex PatternSyntax();
}
