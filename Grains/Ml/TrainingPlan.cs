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

    /// <summary>
    /// Plans a run of a spec that <c>TrainingSpecValidator</c> accepted against this frame's schema (label and features
    /// exist, at least one usable feature). What only the values can tell (a label with one value, too many classes)
    /// is checked by <see cref="LabelPlan"/>.
    /// </summary>
    public static TrainingPlan Create(DatasetFrame frame, TrainingSpec spec)
    {
        var label = Column(frame, spec.Label);
        var kinds = new Dictionary<string, ColumnKind>(StringComparer.Ordinal);
        if (!spec.Features.IsDefaultOrEmpty)
        {
            foreach (var column in spec.Features.Select(name => Column(frame, name)))
            {
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

        if (kinds.Count == 0 || kinds.ContainsKey(label.Name))
        {
            throw Unvalidated($"features [{string.Join(", ", kinds.Keys)}] with label '{label.Name}'");
        }

        var labelPlan = LabelPlan.Create(label, spec.Task);
        var features = frame.Columns.Where(c => kinds.ContainsKey(c.Name)).ToList();
        var layout = new FeatureLayout(
            [.. features.Where(c => kinds[c.Name] is ColumnKind.Numeric or ColumnKind.Boolean)],
            [.. features.Where(c => kinds[c.Name] is ColumnKind.Categorical or ColumnKind.Text)]);
        var inputs = frame.Columns
            .Where(c => c != label)
            .Select(c => new InputColumn(c.Name, kinds.GetValueOrDefault(c.Name, ColumnKind.Ignored))
            {
                Reference = kinds.ContainsKey(c.Name) ? c.Info.Histogram : null,
            })
            .ToImmutableArray();
        var signature = new ModelSignature(labelPlan.Task, label.Name, labelPlan.Kind, labelPlan.Classes, inputs);
        return new TrainingPlan(label, labelPlan, layout, signature);
    }

    /// <summary>The kind the model uses for a text column (categorical is one-hot encoded, text is n-grams).</summary>
    public ColumnKind KindOf(FrameColumn column) =>
        Signature.Inputs.First(i => i.Name == column.Name).Kind;

    private static FrameColumn Column(DatasetFrame frame, string? name) =>
        frame.Find(name ?? string.Empty) ?? throw Unvalidated($"column '{name}', which the dataset does not have");

    private static InvalidOperationException Unvalidated(string what) =>
        new($"The training spec names {what}: it did not pass the training request validation.");
}
