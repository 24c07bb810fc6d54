namespace OrleansMl.Features;

/// <summary>Which <see cref="FeatureValue"/>s a feature of each kind takes.</summary>
public static class FeatureKinds
{
    /// <summary>Numeric takes numbers a model's float32 features can hold, categorical strings, boolean booleans.</summary>
    public static bool Fits(ColumnKind kind, FeatureValue value) => kind switch
    {
        ColumnKind.Numeric => value.Kind == FeatureValueKind.Number && IsFeatureNumber(value.Number),
        ColumnKind.Categorical => value.Kind == FeatureValueKind.String,
        ColumnKind.Boolean => value.Kind == FeatureValueKind.Boolean,
        _ => false,
    };

    /// <summary>
    /// Whether a number fits a feature: finite and within the float32 range, since models read their features as float32
    /// (a larger number would reach them as infinity) and sums and means of such numbers stay finite.
    /// </summary>
    public static bool IsFeatureNumber(double number) => double.IsFinite(number) && Math.Abs(number) <= float.MaxValue;

    /// <summary>Why a value does not fit a feature of <paramref name="kind"/>, for messages: "must be a number (numeric), not ...".</summary>
    public static string Misfit(ColumnKind kind, FeatureValue value) =>
        kind == ColumnKind.Numeric && value.Kind == FeatureValueKind.Number
            ? $"must be a finite number within the float32 range (±3.4028235E+38), not {Describe(value)}"
            : $"must be {Expected(kind)}, not {Describe(value)}";

    /// <summary>
    /// Why a string value is too long to store, or null: a feature's value becomes a prediction row's cell, so it is held
    /// to the longest cell a dataset takes (<c>OrleansMl__MaxCellCharacters</c>).
    /// </summary>
    public static string? TooLong(string what, FeatureValue value, int maxCharacters) =>
        value.Kind == FeatureValueKind.String && value.Text!.Length > maxCharacters
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{what} has {value.Text.Length} characters; at most {maxCharacters} are allowed (OrleansMl__MaxCellCharacters)")
            : null;

    /// <summary>"a number", "a string", "true or false".</summary>
    public static string Expected(ColumnKind kind) => kind switch
    {
        ColumnKind.Numeric => "a number (numeric)",
        ColumnKind.Categorical => "a string (categorical)",
        _ => "true or false (boolean)",
    };

    /// <summary>What a value is, for messages.</summary>
    public static string Describe(FeatureValue value) => value.Kind switch
    {
        FeatureValueKind.Number => $"the number {value}",
        FeatureValueKind.Boolean => $"the boolean {value}",
        FeatureValueKind.String => $"the string \"{(value.Text!.Length > 40 ? value.Text[..40] + "..." : value.Text)}\"",
        _ => "null",
    };
}
