using System.Text.RegularExpressions;

namespace OrleansMl;

/// <summary>
/// Entity keys of feature sets (a customer id, an account number): 1-128 ASCII letters, digits, '.', '_', '-', ':' or '@',
/// starting with a letter or digit. They appear in URLs and grain keys, so no '/' or spaces.
/// </summary>
public static partial class FeatureKeys
{
    /// <summary>The longest key accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>True when <paramref name="key"/> is a valid entity key.</summary>
    public static bool IsValid(string? key) => key is not null && KeyPattern().IsMatch(key);

    /// <summary>Why <paramref name="key"/> is refused, for error messages.</summary>
    public static string Problem(string? key) =>
        $"Invalid key '{Names.Shown(key)}': use 1-{MaxLength} ASCII letters, digits, '.', '_', '-', ':' or '@', starting with a letter or digit.";

    /// <summary>The grain key of an entity: <c>{set}/{key}</c> (neither part holds a '/').</summary>
    public static string EntityGrainKey(string set, string key) => $"{set}/{key}";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
