using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>
/// Fits a regression learner on labels centred on their training mean, and adds the mean back to its scores. SDCA
/// regularizes its bias as one more weight (see <see cref="Learners"/>): fitted on raw labels, its L2 and L1 terms pulled
/// every prediction towards zero (on diabetes at <c>l2=1000</c> the test rows' mean prediction was 54.5 against a label
/// mean of 145.8). Fitted on centred labels over standardized numbers, the bias it shrinks is the distance from the
/// mean, so regularization pulls predictions towards the training mean instead, as an unpenalized intercept would.
/// The shift of the labels is used for the fit only; the model keeps the shift of the scores (an ML.NET expression
/// transform, saved and loaded with the model).
/// </summary>
internal sealed class CentredRegression(MLContext ml, IEstimator<ITransformer> learner) : IEstimator<ITransformer>
{
    private const string Label = FeatureLayout.Label;
    private const string Score = "Score";

    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var mean = LabelMean(input);
        var centred = ml.Transforms.Expression(Label, Shift(-mean), Label).Fit(input).Transform(input);
        var model = learner.Fit(centred);
        var restore = ml.Transforms.Expression(Score, Shift(mean), Score).Fit(model.Transform(centred));
        return new TransformerChain<ITransformer>(model, restore);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => learner.GetOutputSchema(inputSchema);

    /// <summary>The mean of the finite labels as a float, in double precision.</summary>
    internal static float LabelMean(IDataView data)
    {
        var column = data.Schema[Label];
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<float>(column);
        var value = 0f;
        var sum = 0d;
        var count = 0L;
        while (cursor.MoveNext())
        {
            getter(ref value);
            if (float.IsFinite(value))
            {
                sum += value;
                count++;
            }
        }

        return count == 0 ? 0 : (float)(sum / count);
    }

    /// <summary>An expression that adds <paramref name="offset"/> to a float, kept a float (the <c>f</c> suffix).</summary>
    internal static string Shift(float offset) => string.Create(
        CultureInfo.InvariantCulture, $"x=>x{(offset < 0 ? '-' : '+')}{Math.Abs(offset).ToString("R", CultureInfo.InvariantCulture)}f");
}
