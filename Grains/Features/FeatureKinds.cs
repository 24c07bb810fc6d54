namespace OrleansMl.Features;

/// <summary>Which <see cref="FeatureValue"/>s a feature of each kind takes.</summary>
public static class FeatureKinds
{
    /// <summary>Numeric takes finite numbers, categorical strings, boolean booleans.</summary>
    public static bool Fits(ColumnKind kind, FeatureValue value) => kind switch
    {
        ColumnKind.Numeric => value.Kind == FeatureValueKind.Number && double.IsFinite(value.Number),
        ColumnKind.Categorical => value.Kind == FeatureValueKind.String,
        ColumnKind.Boolean => value.Kind == FeatureValueKind.Boolean,
        _ => false,
    };

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
