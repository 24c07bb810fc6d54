using System.Globalization;

namespace OrleansMl.Ml;

/// <summary>Writes class values back in the label's own kind: numbers, JSON booleans or strings.</summary>
internal static class LabelValues
{
    public static FeatureValue Decode(ColumnKind kind, string value) => kind switch
    {
        ColumnKind.Numeric when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) =>
            FeatureValue.FromNumber(number),
        ColumnKind.Boolean when CellValues.TryParseBoolWord(value, out var flag) => FeatureValue.FromBoolean(flag),
        _ => FeatureValue.FromString(value),
    };
}
