using System.Collections.Immutable;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>
/// The resolved task and the label encoded per frame row: binary 1/0 (positive/negative), multiclass the index in
/// <see cref="Classes"/>, regression the value; NaN where the label is missing. Classes keep the CSV's spellings so
/// predictions come back in the label's own values.
/// </summary>
internal sealed class LabelPlan
{
    /// <summary>More classes than this is almost always an identifier picked as the label by mistake.</summary>
    public const int MaxClasses = 1000;

    /// <summary>A numeric label of whole numbers with at most this many distinct values is classes under task auto, else a regression target.</summary>
    public const int MaxWholeNumberClasses = 20;

    private LabelPlan(ModelTask task, ColumnKind kind, ImmutableArray<string> classes, float[] values)
    {
        Task = task;
        Kind = kind;
        Classes = classes;
        Values = values;
        ColumnType = task switch
        {
            ModelTask.Binary => BooleanDataViewType.Instance,
            ModelTask.Multiclass => new KeyDataViewType(typeof(uint), classes.Length),
            _ => NumberDataViewType.Single,
        };
    }

    public ModelTask Task { get; }

    /// <summary>How labels are written back: Numeric, Boolean (true/false only) or Categorical.</summary>
    public ColumnKind Kind { get; }

    /// <summary>Binary: [negative, positive]; multiclass: sorted classes; regression: empty.</summary>
    public ImmutableArray<string> Classes { get; }

    public float[] Values { get; }

    public DataViewType ColumnType { get; }

    public static LabelPlan Create(FrameColumn label, ModelTask requested)
    {
        var values = DistinctValues(label);
        var isNumber = label.Numbers is not null && label.Kind != ColumnKind.Boolean;
        if (values.Count < 2)
        {
            throw new InvalidTrainingRequestException(values.Count == 0
                ? $"The label column '{label.Name}' has no values. Choose a label column that is filled in."
                : $"The label column '{label.Name}' has only one value ('{values[0].Text}'), so there is nothing to learn. "
                  + "Choose a label with at least two different values.");
        }

        var task = requested;
        if (task == ModelTask.Auto)
        {
            task = values.Count == 2 ? ModelTask.Binary
                : !isNumber || (values.All(v => v.Number == MathF.Round(v.Number)) && values.Count <= MaxWholeNumberClasses) ? ModelTask.Multiclass
                : ModelTask.Regression;
        }

        switch (task)
        {
            case ModelTask.Binary when values.Count != 2:
                throw new InvalidTrainingRequestException(
                    $"Task binary needs a label with exactly two values, but '{label.Name}' has {values.Count}: "
                    + $"{Sample(values)}. Use task multiclass{(isNumber ? " or regression" : string.Empty)}, or auto.");
            case ModelTask.Regression when !isNumber:
                throw new InvalidTrainingRequestException(
                    $"Task regression needs a numeric label, but '{label.Name}' holds {(label.Kind == ColumnKind.Boolean ? "booleans" : "text")} "
                    + $"({Sample(values)}). Use task {(values.Count == 2 ? "binary" : "multiclass")}, or auto.");
            case ModelTask.Multiclass or ModelTask.Binary when values.Count > MaxClasses:
                throw new InvalidTrainingRequestException(
                    $"The label column '{label.Name}' has {values.Count} different values; classification supports at most "
                    + $"{MaxClasses} classes. {(isNumber ? "Use task regression for a numeric target, or choose" : "Choose")} another label.");
            default:
                break;
        }

        return task switch
        {
            ModelTask.Binary => Binary(label, values),
            ModelTask.Multiclass => Multiclass(label, values, isNumber),
            _ => new LabelPlan(ModelTask.Regression, ColumnKind.Numeric, [], label.Numbers!),
        };
    }

    /// <summary>
    /// The label of another frame encoded as <paramref name="signature"/>'s model knows it: binary and multiclass rows
    /// by the class spellings the model was trained with (a boolean column's words by their meaning: true matches a
    /// model's yes), regression values as they are. A row whose class the model never saw is NaN, like a missing
    /// label, and counted in <paramref name="unknownRows"/>.
    /// </summary>
    public static LabelPlan ForSignature(FrameColumn label, ModelSignature signature, out int unknownRows)
    {
        unknownRows = 0;
        if (signature.Task == ModelTask.Regression)
        {
            if (label.Numbers is null || label.Kind == ColumnKind.Boolean)
            {
                throw new InvalidEvaluationRequestException(
                    $"The model predicts a number in '{label.Name}', but this dataset's '{label.Name}' holds {(label.Kind == ColumnKind.Boolean ? "booleans" : "text")}.");
            }

            return new LabelPlan(ModelTask.Regression, ColumnKind.Numeric, [], label.Numbers);
        }

        var index = signature.Classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => (float)x.i, StringComparer.Ordinal);
        var encoded = new float[label.Numbers?.Length ?? label.Codes!.Length];
        for (var row = 0; row < encoded.Length; row++)
        {
            var text = label.Numbers is { } numbers
                ? (float.IsNaN(numbers[row]) ? null : NumberText(label, numbers[row] == 0 ? 0f : numbers[row]))
                : label.GetText(row);
            if (text is null)
            {
                encoded[row] = float.NaN;
            }
            else if (index.TryGetValue(text, out var value))
            {
                encoded[row] = value;
            }
            else if (label.Kind == ColumnKind.Boolean && label.Numbers is { } flags && LabelValues.ClassOf(signature.Classes, flags[row] > 0) is >= 0 and var k)
            {
                encoded[row] = k;
            }
            else
            {
                encoded[row] = float.NaN;
                unknownRows++;
            }
        }

        return new LabelPlan(signature.Task, signature.LabelKind, signature.Classes, encoded);
    }

    private static LabelPlan Binary(FrameColumn label, List<LabelValue> values)
    {
        int positive;
        if (label.Kind == ColumnKind.Boolean)
        {
            positive = values[0].Number > 0 ? 0 : 1;
        }
        else if (label.Numbers is not null)
        {
            positive = values[0].Number > values[1].Number ? 0 : 1;
        }
        else
        {
            var first = IsPositiveWord(values[0].Text);
            var second = IsPositiveWord(values[1].Text);
            positive = first != second && first == true ? 0
                : first != second && second == true ? 1
                : string.CompareOrdinal(values[0].Text, values[1].Text) > 0 ? 0 : 1;
        }

        var negative = 1 - positive;
        var encoded = Encode(label, values, v => v == values[positive] ? 1f : 0f);
        var classes = ImmutableArray.Create(values[negative].Text, values[positive].Text);
        return new LabelPlan(ModelTask.Binary, KindOf(label, classes), classes, encoded);
    }

    private static LabelPlan Multiclass(FrameColumn label, List<LabelValue> values, bool isNumber)
    {
        var ordered = isNumber || label.Kind == ColumnKind.Boolean
            ? values.OrderBy(v => v.Number).ToList()
            : values.OrderBy(v => v.Text, StringComparer.Ordinal).ToList();
        var index = ordered.Select((v, i) => (v, i)).ToDictionary(x => x.v, x => (float)x.i);
        var classes = ordered.Select(v => v.Text).ToImmutableArray();
        return new LabelPlan(ModelTask.Multiclass, KindOf(label, classes), classes, Encode(label, values, v => index[v]));
    }

    private static ColumnKind KindOf(FrameColumn label, ImmutableArray<string> classes)
    {
        if (label.Kind == ColumnKind.Boolean)
        {
            return classes.All(c => c.Equals("true", StringComparison.OrdinalIgnoreCase) || c.Equals("false", StringComparison.OrdinalIgnoreCase))
                ? ColumnKind.Boolean
                : ColumnKind.Categorical;
        }

        return label.Numbers is not null ? ColumnKind.Numeric : ColumnKind.Categorical;
    }

    private static bool? IsPositiveWord(string text) =>
        text == "1" ? true
        : text == "0" ? false
        : CellValues.TryParseBoolWord(text, out var b) ? b
        : null;

    private static float[] Encode(FrameColumn label, List<LabelValue> values, Func<LabelValue, float> encode)
    {
        if (label.Numbers is { } numbers)
        {
            var byNumber = values.ToDictionary(v => v.Number, encode);
            return numbers.Select(n => float.IsNaN(n) ? float.NaN : byNumber[n == 0 ? 0f : n]).ToArray();
        }

        var byCode = new float[label.Dictionary!.Length];
        Array.Fill(byCode, float.NaN);
        foreach (var value in values)
        {
            byCode[value.Code] = encode(value);
        }

        return label.Codes!.Select(c => c < 0 ? float.NaN : byCode[c]).ToArray();
    }

    private static List<LabelValue> DistinctValues(FrameColumn label)
    {
        if (label.Numbers is { } numbers)
        {
            return numbers
                .Where(n => !float.IsNaN(n))
                .Select(n => n == 0 ? 0f : n)
                .Distinct()
                .Order()
                .Select(n => new LabelValue(n, -1, NumberText(label, n)))
                .ToList();
        }

        var seen = new bool[label.Dictionary!.Length];
        foreach (var code in label.Codes!)
        {
            if (code >= 0)
            {
                seen[code] = true;
            }
        }

        return Enumerable.Range(0, seen.Length)
            .Where(c => seen[c])
            .Select(c => new LabelValue(float.NaN, c, label.Dictionary[c]))
            .ToList();
    }

    private static string NumberText(FrameColumn label, float value) =>
        label.Kind == ColumnKind.Boolean && label.BooleanSpelling is { } spelling
            ? (value > 0 ? spelling.True : spelling.False)
            : CellValues.Format(value);

    private static string Sample(List<LabelValue> values) =>
        string.Join(", ", values.Take(5).Select(v => v.Text)) + (values.Count > 5 ? ", ..." : string.Empty);

    private sealed record LabelValue(float Number, int Code, string Text);
}
