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
        var parts = new List<string>();
        IEstimator<ITransformer> estimator = new EstimatorChain<ITransformer>();
        if (plan.Layout.Numeric.Length > 0)
        {
            parts.Add(FeatureLayout.NumericVector);
        }

        for (var i = 0; i < plan.Layout.Text.Length; i++)
        {
            var column = plan.Layout.Text[i];
            var input = FeatureLayout.TextColumnName(column.Name);
            string output;
            if (plan.KindOf(column) == ColumnKind.Text)
            {
                output = $"__text{i}";
                estimator = estimator.Append(ml.Transforms.Text.FeaturizeText(output, TextOptions(), input));
            }
            else
            {
                output = $"__category{i}";
                estimator = column.Info.Distinct > HashedCategoryThreshold
                    ? estimator.Append(ml.Transforms.Categorical.OneHotHashEncoding(output, input, numberOfBits: HashBits))
                    : estimator.Append(ml.Transforms.Categorical.OneHotEncoding(output, input));
            }

            parts.Add(output);
        }

        return estimator.Append(ml.Transforms.Concatenate(FeatureLayout.Features, [.. parts]));
    }

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
