using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;

namespace OrleansMl.Ml;

/// <summary>
/// Turns the model inputs into the single <c>Features</c> vector: numeric slots as they are, categorical columns
/// one-hot encoded (hashed beyond 1000 distinct values), text columns as n-gram features.
/// </summary>
internal static class Featurizer
{
    /// <summary>Above this many distinct values, a categorical column is hashed instead of one-hot encoded.</summary>
    public const int HashedCategoryThreshold = 1000;

    /// <summary>Slots of a hashed categorical column.</summary>
    public const int HashedCategorySlots = 1 << HashBits;

    /// <summary>Most word n-grams, and most character n-grams, a text column's dictionary keeps.</summary>
    public const int TextNgramLimit = 10_000;

    /// <summary>Most slots of a text column: its word n-grams and its character n-grams.</summary>
    public const int TextSlots = 2 * TextNgramLimit;

    private const int HashBits = 14;

    public static IEstimator<ITransformer> Create(MLContext ml, TrainingPlan plan)
    {
        var parts = Parts(plan);
        IEstimator<ITransformer> estimator = new EstimatorChain<ITransformer>();
        var first = plan.Layout.Numeric.Length > 0 ? 1 : 0;
        for (var i = 0; i < plan.Layout.Text.Length; i++)
        {
            var column = plan.Layout.Text[i];
            var input = FeatureLayout.TextColumnName(column.Name);
            var output = parts[first + i];
            estimator = plan.KindOf(column) == ColumnKind.Text
                ? estimator.Append(ml.Transforms.Text.FeaturizeText(output, TextOptions(), input))
                : column.Info.Distinct > HashedCategoryThreshold
                    ? estimator.Append(ml.Transforms.Categorical.OneHotHashEncoding(output, input, numberOfBits: HashBits))
                    : estimator.Append(ml.Transforms.Categorical.OneHotEncoding(output, input));
        }

        return estimator.Append(ml.Transforms.Concatenate(FeatureLayout.Features, parts));
    }

    /// <summary>
    /// The columns <c>Features</c> is concatenated from, in order: the numbers as one vector (when there are any), then
    /// one column per categorical or text column, encoded.
    /// </summary>
    public static string[] Parts(TrainingPlan plan) =>
    [
        .. plan.Layout.Numeric.Length > 0 ? [FeatureLayout.NumericVector] : Array.Empty<string>(),
        .. plan.Layout.Text.Select((column, i) => plan.KindOf(column) == ColumnKind.Text ? $"__text{i}" : $"__category{i}"),
    ];

    /// <summary>
    /// ML.NET's text defaults (word unigrams and character trigrams), with dictionaries bounded so that a text column's
    /// width is known before training: see <c>TrainingSpecValidator</c>'s feature-width check.
    /// </summary>
    private static TextFeaturizingEstimator.Options TextOptions()
    {
        var options = new TextFeaturizingEstimator.Options();
        options.WordFeatureExtractor!.MaximumNgramsCount = [TextNgramLimit];
        options.CharFeatureExtractor!.MaximumNgramsCount = [TextNgramLimit];
        return options;
    }
}
