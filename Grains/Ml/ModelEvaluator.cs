using System.Collections.Immutable;
using Microsoft.ML;

namespace OrleansMl.Ml;

/// <summary>What scoring a frame with a saved model found.</summary>
internal sealed record EvaluationOutcome(
    int Rows, int EvaluatedRows, int MissingLabelRows, int UnknownLabelRows, ImmutableDictionary<string, double> Metrics);

/// <summary>
/// Scores a whole frame with a saved model and computes the metrics the model's training reported, through the same
/// pipeline and <see cref="ModelMetrics"/> as the training's held-out evaluation, so the numbers compare directly.
/// CPU-bound and blocking: callers run it off the grain scheduler. Thread-safe (each call loads its own model).
/// </summary>
internal static class ModelEvaluator
{
    public static EvaluationOutcome Evaluate(byte[] modelZip, ModelSignature signature, DatasetFrame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(modelZip);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(frame);
        var label = frame.Find(signature.Label)
            ?? throw new InvalidEvaluationRequestException(
                $"The dataset has no column '{signature.Label}', the label the model was trained to predict; its columns are {string.Join(", ", frame.Columns.Select(c => c.Name))}.");
        var layout = LayoutFor(signature, frame);
        var labelPlan = LabelPlan.ForSignature(label, signature, out var unknown);
        var labelled = Enumerable.Range(0, frame.RowCount).Where(r => !float.IsNaN(labelPlan.Values[r])).ToArray();
        var missing = frame.RowCount - labelled.Length - unknown;
        if (labelled.Length == 0)
        {
            return new EvaluationOutcome(frame.RowCount, 0, missing, unknown, ImmutableDictionary<string, double>.Empty);
        }

        using var cancellation = new MlCancellation(cancellationToken);
        var ml = cancellation.NewContext(seed: 0);
        ITransformer model;
        using (var stream = new MemoryStream(modelZip, writable: false))
        {
            model = ml.Model.Load(stream, out _);
        }

        var view = new FrameDataView(layout, labelPlan, labelled);
        var metrics = cancellation.Run(() => ModelMetrics.Evaluate(ml, signature.Task, model.Transform(view)));
        return new EvaluationOutcome(frame.RowCount, labelled.Length, missing, unknown, metrics);
    }

    /// <summary>
    /// The frame's columns in the model's input layout: numeric and boolean inputs in the order of the model's slots
    /// (the signature's order, as training laid them out), categorical and text inputs by name. A missing input or one
    /// that holds another kind of value is refused before anything is scored.
    /// </summary>
    private static FeatureLayout LayoutFor(ModelSignature signature, DatasetFrame frame)
    {
        var numeric = ImmutableArray.CreateBuilder<FrameColumn>();
        var text = ImmutableArray.CreateBuilder<FrameColumn>();
        var missing = new List<string>();
        foreach (var input in signature.Inputs.Where(i => i.Kind != ColumnKind.Ignored))
        {
            if (frame.Find(input.Name) is not { } column)
            {
                missing.Add(input.Name);
                continue;
            }

            var isNumeric = input.Kind is ColumnKind.Numeric or ColumnKind.Boolean;
            if (isNumeric ? column.Numbers is null : column.Codes is null)
            {
                throw new InvalidEvaluationRequestException(
                    $"Column '{input.Name}' holds {EnumWords.Word(column.Kind)} values in this dataset, but the model was trained on it as "
                    + $"{EnumWords.Word(input.Kind)}. Evaluate on data with the same columns and kinds as the training data.");
            }

            (isNumeric ? numeric : text).Add(column);
        }

        if (missing.Count > 0)
        {
            throw new InvalidEvaluationRequestException(
                $"The dataset lacks the model's input column{(missing.Count > 1 ? "s" : string.Empty)} {string.Join(", ", missing.Select(m => $"'{m}'"))}. "
                + "Evaluate on data with the same columns as the training data.");
        }

        return new FeatureLayout(numeric.ToImmutable(), text.ToImmutable());
    }
}
