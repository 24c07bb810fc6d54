using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>
/// Turns the model inputs into the single <c>Features</c> vector: numeric slots as they are, categorical columns
/// one-hot encoded (hashed beyond 1000 distinct values), text columns as n-gram features.
/// </summary>
internal static class Featurizer
{
    private const int HashedCategoryThreshold = 1000;

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
                estimator = estimator.Append(ml.Transforms.Text.FeaturizeText(output, input));
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
}
