using System.Collections.Immutable;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>Held-out metrics through ML.NET's evaluators, with camelCase names and no NaN or infinite values.</summary>
internal static class ModelMetrics
{
    private const string Label = FeatureLayout.Label;

    public static ImmutableDictionary<string, double> Evaluate(MLContext ml, ModelTask task, IDataView scored)
    {
        var metrics = new Dictionary<string, double>();
        switch (task)
        {
            case ModelTask.Binary:
                // Served predictions call the positive class when its probability exceeds 0.5, so the thresholded
                // metrics judge that rule. ML.NET's evaluator thresholds the raw score at 0 instead; the two agree for
                // every learner but the Platt-calibrated forest, and AUC and log-loss do not depend on a threshold.
                var counts = BinaryCounts(scored);
                metrics["accuracy"] = (double)(counts.TruePositive + counts.TrueNegative) / counts.Total;
                metrics["precision"] = (double)counts.TruePositive / (counts.TruePositive + counts.FalsePositive);
                metrics["recall"] = (double)counts.TruePositive / (counts.TruePositive + counts.FalseNegative);
                metrics["f1"] = 2.0 * counts.TruePositive / ((2.0 * counts.TruePositive) + counts.FalsePositive + counts.FalseNegative);
                if (counts.TruePositive + counts.FalseNegative > 0 && counts.TrueNegative + counts.FalsePositive > 0)
                {
                    // The evaluator refuses held-out rows of a single class, where AUC is undefined.
                    var binary = ml.BinaryClassification.Evaluate(scored, Label);
                    metrics["auc"] = binary.AreaUnderRocCurve;
                    metrics["logLoss"] = binary.LogLoss;
                }

                break;
            case ModelTask.Multiclass:
                var multiclass = ml.MulticlassClassification.Evaluate(scored, Label);
                metrics["microAccuracy"] = multiclass.MicroAccuracy;
                metrics["macroAccuracy"] = multiclass.MacroAccuracy;
                metrics["logLoss"] = multiclass.LogLoss;
                break;
            default:
                var regression = ml.Regression.Evaluate(scored, Label);
                metrics["rmse"] = regression.RootMeanSquaredError;
                metrics["mae"] = regression.MeanAbsoluteError;
                metrics["r2"] = regression.RSquared;
                break;
        }

        return metrics.Where(m => double.IsFinite(m.Value)).ToImmutableDictionary();
    }

    /// <summary>The number the search maximizes: AUC for binary, accuracy for multiclass, minus RMSE for regression.</summary>
    public static double Objective(ModelTask task, ImmutableDictionary<string, double> metrics)
    {
        // Log-loss only breaks ties between candidates that rank or classify the validation rows equally well.
        var tieBreak = metrics.TryGetValue("logLoss", out var logLoss) ? -1e-4 * Math.Min(logLoss, 10) : 0;
        return task switch
        {
            ModelTask.Binary => metrics.GetValueOrDefault("auc", metrics.GetValueOrDefault("accuracy", double.NegativeInfinity))
                + (1e-3 * metrics.GetValueOrDefault("accuracy")) + tieBreak,
            ModelTask.Multiclass => metrics.GetValueOrDefault("microAccuracy", double.NegativeInfinity) + tieBreak,
            _ => -metrics.GetValueOrDefault("rmse", double.PositiveInfinity),
        };
    }

    private static (long TruePositive, long FalsePositive, long TrueNegative, long FalseNegative, long Total) BinaryCounts(IDataView scored)
    {
        var label = scored.Schema[Label];
        var probability = scored.Schema["Probability"];
        using var cursor = scored.GetRowCursor([label, probability]);
        var getLabel = cursor.GetGetter<bool>(label);
        var getProbability = cursor.GetGetter<float>(probability);
        var actual = false;
        var p = 0f;
        long tp = 0, fp = 0, tn = 0, fn = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref actual);
            getProbability(ref p);
            var predicted = p > 0.5f;
            _ = (actual, predicted) switch
            {
                (true, true) => tp++,
                (false, true) => fp++,
                (false, false) => tn++,
                (true, false) => fn++,
            };
        }

        return (tp, fp, tn, fn, tp + fp + tn + fn);
    }
}
