using System.Text.RegularExpressions;

namespace OrleansMl;

/// <summary>Validation of dataset, model and alias names: they appear in URLs, grain keys and file names.</summary>
public static partial class Names
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="name"/> is 1–64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.</summary>
    public static bool IsValid(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>Throws <see cref="InvalidNameException"/> naming the <paramref name="what"/> when the name is invalid.</summary>
    public static string Validate(string? name, string what) => IsValid(name)
        ? name!
        : throw new InvalidNameException(
            $"Invalid {what} name '{Shown(name)}': use 1-{MaxLength} ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.");

    /// <summary>
    /// A name as an error quotes it: whole up to twice <see cref="MaxLength"/>, else its first <see cref="MaxLength"/>
    /// characters and its length, so an error repeats what it refuses, not all of it.
    /// </summary>
    public static string Shown(string? name) =>
        name is null || name.Length <= 2 * MaxLength ? name ?? string.Empty : $"{name.AsSpan(0, MaxLength)}… ({name.Length} characters)";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
