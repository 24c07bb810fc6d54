using System.Collections.Immutable;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>
/// How frame columns become model inputs: numeric and boolean columns share one <c>NumFeatures</c> vector whose
/// slot names are the column names; each categorical or text column is a text input of its own. The same layout is
/// rebuilt from a saved model's input schema at prediction time.
/// </summary>
internal sealed class FeatureLayout
{
    public const string NumericVector = "NumFeatures";

    public const string Features = "Features";

    public const string Label = "Label";

    // Names the pipeline itself uses; an input column with one of these names gets a prefixed name instead.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        NumericVector, Features, Label, "Score", "Probability", "PredictedLabel",
    };

    public FeatureLayout(ImmutableArray<FrameColumn> numeric, ImmutableArray<FrameColumn> text)
    {
        Numeric = numeric;
        Text = text;
        InputSchema = BuildInputSchema(numeric.Select(c => c.Name).ToArray(), text.Select(c => c.Name));
    }

    /// <summary>Numeric and boolean columns, in slot order.</summary>
    public ImmutableArray<FrameColumn> Numeric { get; }

    /// <summary>Categorical and text columns.</summary>
    public ImmutableArray<FrameColumn> Text { get; }

    /// <summary>The schema clients' rows are bound to: the model's input, without the label.</summary>
    public DataViewSchema InputSchema { get; }

    /// <summary>The pipeline column holding a categorical or text input.</summary>
    public static string TextColumnName(string name) =>
        Reserved.Contains(name) || name.StartsWith("__", StringComparison.Ordinal) ? "__in_" + name : name;

    public static DataViewSchema BuildInputSchema(string[] numericNames, IEnumerable<string> textNames)
    {
        var builder = new DataViewSchema.Builder();
        if (numericNames.Length > 0)
        {
            var annotations = new DataViewSchema.Annotations.Builder();
            var slotNames = numericNames.Select(n => n.AsMemory()).ToArray();
            annotations.Add(
                "SlotNames",
                new VectorDataViewType(TextDataViewType.Instance, slotNames.Length),
                (ref VBuffer<ReadOnlyMemory<char>> value) => value = new VBuffer<ReadOnlyMemory<char>>(slotNames.Length, (ReadOnlyMemory<char>[])slotNames.Clone()));
            builder.AddColumn(
                NumericVector,
                new VectorDataViewType(NumberDataViewType.Single, numericNames.Length),
                annotations.ToAnnotations());
        }

        foreach (var name in textNames)
        {
            builder.AddColumn(TextColumnName(name), TextDataViewType.Instance);
        }

        return builder.ToSchema();
    }
}
