using System.Collections.Immutable;

namespace OrleansMl.Ml;

/// <summary>What a training run uses from the frame: label, features, kinds, and the signature it will publish.</summary>
internal sealed class TrainingPlan
{
    private TrainingPlan(FrameColumn label, LabelPlan labelPlan, FeatureLayout layout, ModelSignature signature)
    {
        Label = label;
        LabelPlan = labelPlan;
        Layout = layout;
        Signature = signature;
    }

    public FrameColumn Label { get; }

    public LabelPlan LabelPlan { get; }

    public FeatureLayout Layout { get; }

    public ModelSignature Signature { get; }

    public ModelTask Task => LabelPlan.Task;

    public static TrainingPlan Create(DatasetFrame frame, TrainingSpec spec)
    {
        var label = frame.Find(spec.Label ?? string.Empty)
            ?? throw new InvalidTrainingRequestException(
                $"The label column '{spec.Label}' is not in the dataset. Available columns: {ColumnList(frame)}.");

        var kinds = new Dictionary<string, ColumnKind>(StringComparer.Ordinal);
        if (!spec.Features.IsDefaultOrEmpty)
        {
            var unknown = spec.Features.Where(f => frame.Find(f) is null).ToList();
            if (unknown.Count > 0)
            {
                throw new InvalidTrainingRequestException(
                    $"Unknown feature column{(unknown.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unknown.Select(u => $"'{u}'"))}. "
                    + $"Available columns: {ColumnList(frame)}.");
            }

            foreach (var name in spec.Features)
            {
                var column = frame.Find(name)!;
                if (column == label)
                {
                    throw new InvalidTrainingRequestException(
                        $"The label column '{label.Name}' cannot also be a feature. Remove it from the features.");
                }

                // Asking for a column by name overrides "ignored": an id-like number is used as a number, a
                // high-cardinality string as a (hashed) category.
                kinds[column.Name] = column.Kind != ColumnKind.Ignored ? column.Kind
                    : column.Numbers is not null ? ColumnKind.Numeric
                    : ColumnKind.Categorical;
            }
        }
        else
        {
            foreach (var column in frame.Columns.Where(c => c != label && c.Kind != ColumnKind.Ignored))
            {
                kinds[column.Name] = column.Kind;
            }
        }

        if (kinds.Count == 0)
        {
            throw new InvalidTrainingRequestException(
                $"No usable feature columns: every column other than the label '{label.Name}' is ignored (identifiers, "
                + "empty or high-cardinality values). Name the features to use explicitly.");
        }

        var labelPlan = LabelPlan.Create(label, spec.Task);
        var features = frame.Columns.Where(c => kinds.ContainsKey(c.Name)).ToList();
        var layout = new FeatureLayout(
            [.. features.Where(c => kinds[c.Name] is ColumnKind.Numeric or ColumnKind.Boolean)],
            [.. features.Where(c => kinds[c.Name] is ColumnKind.Categorical or ColumnKind.Text)]);
        var inputs = frame.Columns
            .Where(c => c != label)
            .Select(c => new InputColumn(c.Name, kinds.GetValueOrDefault(c.Name, ColumnKind.Ignored)))
            .ToImmutableArray();
        var signature = new ModelSignature(labelPlan.Task, label.Name, labelPlan.Kind, labelPlan.Classes, inputs);
        return new TrainingPlan(label, labelPlan, layout, signature);
    }

    /// <summary>The kind the model uses for a text column (categorical is one-hot encoded, text is n-grams).</summary>
    public ColumnKind KindOf(FrameColumn column) =>
        Signature.Inputs.First(i => i.Name == column.Name).Kind;

    private static string ColumnList(DatasetFrame frame) => string.Join(", ", frame.Columns.Select(c => c.Name));
}
