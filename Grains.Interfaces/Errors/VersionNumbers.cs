using System.Globalization;

namespace OrleansMl;

/// <summary>
/// The rule for the version numbers callers send (model versions and dataset versions): whole numbers from 1. Every
/// surface checks a number here as it arrives, so a version 0, a negative version or a word is refused with the same
/// words everywhere, naming the field it came in.
/// </summary>
public static class VersionNumbers
{
    /// <summary>The number of the first version of every model and dataset.</summary>
    public const int First = 1;

    // A version sent as text is repeated in the refusal by its start only: an error repeats what it refuses, not all of it.
    private const int MaxShownLength = 20;

    /// <summary>True when <paramref name="version"/> can be a version number (1 or more).</summary>
    public static bool IsValid(int version) => version >= First;

    /// <summary>Returns <paramref name="version"/> when it is 1 or more.</summary>
    /// <param name="version">The number sent.</param>
    /// <param name="field">The field, argument or path segment it came in (<c>version</c>, <c>datasetVersion</c>, ...).</param>
    /// <exception cref="InvalidVersionNumberException">The number is 0 or below.</exception>
    public static int Validate(int version, string field) => IsValid(version)
        ? version
        : throw Invalid(field, version.ToString(CultureInfo.InvariantCulture));

    /// <summary>Returns <paramref name="version"/> when it is absent or 1 or more.</summary>
    /// <exception cref="InvalidVersionNumberException">The number is 0 or below.</exception>
    public static int? Validate(int? version, string field) => version is { } number ? Validate(number, field) : null;

    /// <summary>Reads a version number sent as text (a path segment, a resource URI).</summary>
    /// <exception cref="InvalidVersionNumberException">The text is not a whole number, or it is 0.</exception>
    public static int Parse(string? text, string field) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? Validate(number, field)
            : throw Invalid(field, $"'{Shown(text ?? string.Empty)}'");

    // The words every surface refuses a version number with.
    private static InvalidVersionNumberException Invalid(string field, string shown) =>
        new(field, $"{field} must be a version number: versions start at {First} (got {shown}).");

    private static string Shown(string text) => text.Length <= MaxShownLength ? text : $"{text.AsSpan(0, MaxShownLength)}…";
}
