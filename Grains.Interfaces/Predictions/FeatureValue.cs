using System.Globalization;

namespace OrleansMl;

/// <summary>A typed cell of a prediction row, or a predicted label: a number, a boolean, a string or missing.</summary>
[GenerateSerializer, Immutable, Alias("OrleansMl.FeatureValue")]
public readonly record struct FeatureValue
{
    private FeatureValue(FeatureValueKind kind, double number, string? text)
    {
        Kind = kind;
        Number = number;
        Text = text;
    }

    /// <summary>What the value holds.</summary>
    [Id(0)] public FeatureValueKind Kind { get; init; }

    /// <summary>The number (also 1/0 for booleans).</summary>
    [Id(1)] public double Number { get; init; }

    /// <summary>The string, for string values.</summary>
    [Id(2)] public string? Text { get; init; }

    /// <summary>A missing value.</summary>
    public static FeatureValue Missing => default;

    /// <summary>A number.</summary>
    public static FeatureValue FromNumber(double value) => new(FeatureValueKind.Number, value, null);

    /// <summary>A boolean.</summary>
    public static FeatureValue FromBoolean(bool value) => new(FeatureValueKind.Boolean, value ? 1 : 0, null);

    /// <summary>A string (null is missing).</summary>
    public static FeatureValue FromString(string? value) =>
        value is null ? Missing : new(FeatureValueKind.String, 0, value);

    /// <summary>Implicit conversion from a number.</summary>
    public static implicit operator FeatureValue(double value) => FromNumber(value);

    /// <summary>Implicit conversion from a boolean.</summary>
    public static implicit operator FeatureValue(bool value) => FromBoolean(value);

    /// <summary>Implicit conversion from a string.</summary>
    public static implicit operator FeatureValue(string? value) => FromString(value);

    /// <summary>True when missing.</summary>
    public bool IsMissing => Kind == FeatureValueKind.Missing;

    /// <summary>The value as text (invariant culture).</summary>
    public override string ToString() => Kind switch
    {
        FeatureValueKind.Number => Number.ToString("R", CultureInfo.InvariantCulture),
        FeatureValueKind.Boolean => Number != 0 ? "true" : "false",
        FeatureValueKind.String => Text!,
        _ => string.Empty,
    };
}

/// <summary>What a <see cref="FeatureValue"/> holds.</summary>
public enum FeatureValueKind
{
    /// <summary>No value.</summary>
    Missing = 0,

    /// <summary>A number.</summary>
    Number = 1,

    /// <summary>A boolean.</summary>
    Boolean = 2,

    /// <summary>A string.</summary>
    String = 3,
}
