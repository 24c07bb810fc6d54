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

    /// <summary>
    /// The class a boolean stands for among classes spelled as words (<c>yes</c>/<c>no</c>, <c>y</c>/<c>n</c>,
    /// <c>t</c>/<c>f</c>...): the one class whose word means <paramref name="flag"/>, or -1 when none or several do.
    /// So a true/false label matches a model trained on yes/no, as the CSV reader reads both as booleans.
    /// </summary>
    public static int ClassOf(IReadOnlyList<string> classes, bool flag)
    {
        var found = -1;
        for (var k = 0; k < classes.Count; k++)
        {
            if (CellValues.TryParseBoolWord(classes[k], out var meaning) && meaning == flag)
            {
                if (found >= 0)
                {
                    return -1;
                }

                found = k;
            }
        }

        return found;
    }
}
