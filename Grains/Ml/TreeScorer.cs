using System.Collections;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace OrleansMl.Ml;

/// <summary>
/// A tree-ensemble model (FastTree, LightGBM, FastForest; binary, multiclass, regression) taken apart once at load:
/// the featurizer stays ML.NET's (or is skipped when the features are the numeric inputs as they are), the trees become
/// <see cref="FlatTrees"/>, and the post-processing ML.NET applies to the trees' sums (the division of a regression
/// forest, Platt calibration, one-versus-all normalization, softmax) is redone here in ML.NET's own arithmetic, so
/// every score and probability equals ML.NET's bit for bit. Built only when a probe of rows scored both ways agrees;
/// thread-safe (scoring only reads).
/// </summary>
internal sealed class TreeScorer
{
    private const int ProbeRows = 96;

    // A block holds at most this many values, so it stays in the core's first-level cache while the trees walk it.
    private const int BlockValues = 8_192;
    private const int MaxBlockRows = 512;

    // ML.NET keeps what a tree does with a missing value, and how a one-versus-all model combines its classes, in
    // internal members; the probe at load catches any change in them.
    private static readonly FieldInfo? TreeField = typeof(RegressionTreeBase).GetField("_tree", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly PropertyInfo? SubModelsProperty = typeof(OneVersusAllModelParameters).GetProperty("SubModelParameters", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly FieldInfo? ImplField = typeof(OneVersusAllModelParameters).GetField("_impl", BindingFlags.Instance | BindingFlags.NonPublic);

    private readonly Output[] _outputs;
    private readonly Combination _combination;
    private readonly PlattCalibrator? _calibrator;

    private TreeScorer(ModelTask task, Output[] outputs, Combination combination, PlattCalibrator? calibrator, int[] usedFeatures, int featureCount, ITransformer featurizer, bool passThrough, int blockRows)
    {
        BlockRows = blockRows;
        Task = task;
        _outputs = outputs;
        _combination = combination;
        _calibrator = calibrator;
        UsedFeatures = usedFeatures;
        FeatureCount = featureCount;
        Featurizer = featurizer;
        PassThrough = passThrough;
        Width = Math.Max(1, usedFeatures.Length);
    }

    private enum Combination
    {
        /// <summary>One output as it is (regression, binary).</summary>
        Single,

        /// <summary>One-versus-all with calibrated classes: probabilities clamped at zero and scaled to sum to one.</summary>
        Normalized,

        /// <summary>Softmax over the classes' raw outputs (LightGBM multiclass).</summary>
        Softmax,

        /// <summary>The classes' raw outputs.</summary>
        Raw,
    }

    public ModelTask Task { get; }

    /// <summary>Classes (multiclass) or 1.</summary>
    public int OutputCount => _outputs.Length;

    /// <summary>Values per row the scorer reads: the used features, renumbered 0..Width-1 (at least one slot).</summary>
    public int Width { get; }

    /// <summary>
    /// Rows per block: a block holds <see cref="Width"/> columns of <see cref="BlockRows"/> values, value
    /// <c>block[feature * BlockRows + row]</c>, each as <see cref="FlatTrees.Key"/>. A multiple of eight.
    /// </summary>
    public int BlockRows { get; }

    /// <summary>Indices in the <c>Features</c> vector of the values the trees read, ascending.</summary>
    public int[] UsedFeatures { get; }

    /// <summary>True when some node sends a missing value left (LightGBM's learned defaults).</summary>
    public bool HasMissingGoesLeft => _outputs.Any(o => o.Trees!.HasMissingGoesLeft);

    /// <summary>Length of the <c>Features</c> vector the featurizer produces.</summary>
    public int FeatureCount { get; }

    /// <summary>The pipeline up to the <c>Features</c> column.</summary>
    public ITransformer Featurizer { get; }

    /// <summary>True when <c>Features</c> is the <c>NumFeatures</c> input as it is, so rows need no featurizer.</summary>
    public bool PassThrough { get; }

    /// <summary>
    /// Takes a loaded model apart, or returns null with the reason when it is not a tree ensemble this class scores
    /// exactly as ML.NET does.
    /// </summary>
    public static TreeScorer? TryCreate(ITransformer model, DataViewSchema inputSchema, ModelTask task, out string reason)
    {
        var parts = new List<ITransformer>();
        Flatten(model, parts);
        var at = parts.FindIndex(p => p is ISingleFeaturePredictionTransformer<object>);
        if (at < 0)
        {
            reason = "the model has no predictor";
            return null;
        }

        var predictor = (ISingleFeaturePredictionTransformer<object>)parts[at];
        var after = parts.Skip(at + 1).ToList();
        PlattCalibrator? calibrator = null;
        if (after.Count == 1 && after[0] is ISingleFeaturePredictionTransformer<object> { Model: PlattCalibrator platt } && task == ModelTask.Binary)
        {
            calibrator = platt;
        }
        else if (after.Count > 0)
        {
            reason = $"the predictor is followed by {after[0].GetType().Name}";
            return null;
        }

        var outputs = new List<Output>();
        Combination combination;
        switch (task, predictor.Model)
        {
            case (ModelTask.Binary, CalibratedModelParametersBase { SubModel: TreeEnsembleModelParameters trees, Calibrator: PlattCalibrator own }) when calibrator is null:
                outputs.Add(new Output(trees, null));
                calibrator = own;
                combination = Combination.Single;
                break;
            case (ModelTask.Binary, TreeEnsembleModelParameters trees) when calibrator is not null:
                outputs.Add(new Output(trees, null));
                combination = Combination.Single;
                break;
            case (ModelTask.Regression, TreeEnsembleModelParameters trees):
                outputs.Add(new Output(trees, null));
                combination = Combination.Single;
                break;
            case (ModelTask.Multiclass, OneVersusAllModelParameters ova):
                if (!TryReadOneVersusAll(ova, outputs, out combination, out reason))
                {
                    return null;
                }

                break;
            default:
                reason = $"{predictor.Model.GetType().Name} is not a tree ensemble scored here for a {task} task";
                return null;
        }

        foreach (var output in outputs)
        {
            if (!IsKnown(output.Model))
            {
                reason = $"{output.Model.GetType().Name} is not a known tree ensemble";
                return null;
            }
        }

        if (TreeField is null)
        {
            reason = "this ML.NET version keeps the trees' missing-value defaults elsewhere";
            return null;
        }

        var featurizer = new TransformerChain<ITransformer>([.. parts.Take(at)]);
        var featuresType = featurizer.GetOutputSchema(inputSchema).GetColumnOrNull(predictor.FeatureColumnName)?.Type as VectorDataViewType;
        if (featuresType is not { Size: > 0 } || featuresType.ItemType != NumberDataViewType.Single)
        {
            reason = $"the features column '{predictor.FeatureColumnName}' is not a vector of known size";
            return null;
        }

        var ensembles = outputs.Select(o => Trees(o.Model)).ToList();
        var used = ensembles.SelectMany(e => FlatTrees.FeaturesOf(e)).Distinct().Order().ToArray();
        if (used.Length > 0 && used[^1] >= featuresType.Size)
        {
            reason = "the trees read beyond the features vector";
            return null;
        }

        var blockRows = Math.Clamp(BlockValues / Math.Max(1, used.Length), 16, MaxBlockRows) / 16 * 16;
        var flat = new Output[outputs.Count];
        for (var i = 0; i < outputs.Count; i++)
        {
            var defaults = ensembles[i].Select(t => TreeField.GetValue(t) is { } inner
                ? inner.GetType().GetField("DefaultValueForMissing")?.GetValue(inner) as float[]
                : null).ToList();
            flat[i] = outputs[i] with { Trees = FlatTrees.Create(ensembles[i], defaults, used, blockRows) };
        }

        var numeric = inputSchema.Count == 1 && inputSchema[0].Name == FeatureLayout.NumericVector
            && inputSchema[0].Type is VectorDataViewType { Size: var size } && size == featuresType.Size;
        var scorer = new TreeScorer(task, flat, combination, calibrator, used, featuresType.Size, featurizer, numeric, blockRows);
        var scoring = new TransformerChain<ITransformer>([.. parts.Skip(at)]);
        if (!scorer.AgreesWith(scoring, predictor.FeatureColumnName, model, inputSchema, out reason))
        {
            return null;
        }

        reason = string.Empty;
        return scorer;
    }

    /// <summary>
    /// Scores the first <paramref name="rows"/> rows (at most <see cref="BlockRows"/>) of a block.
    /// <paramref name="scores"/> receives ML.NET's <c>Score</c> (one per row; multiclass: <see cref="OutputCount"/> per
    /// row, row after row) and, for binary models, <paramref name="probabilities"/> its <c>Probability</c>.
    /// <paramref name="sums"/> is scratch space of <c>BlockRows * OutputCount</c>.
    /// </summary>
    public void Score(ReadOnlySpan<int> block, int rows, bool hasMissing, Span<double> sums, Span<float> scores, Span<float> probabilities)
    {
        var classes = _outputs.Length;
        var stride = BlockRows;
        sums = sums[..(stride * classes)];
        sums.Clear();
        for (var k = 0; k < classes; k++)
        {
            _outputs[k].Trees!.Accumulate(block, rows, hasMissing, sums.Slice(k * stride, stride));
        }

        if (_combination == Combination.Single)
        {
            var output = _outputs[0];
            for (var r = 0; r < rows; r++)
            {
                scores[r] = output.Raw(sums[r]);
            }

            if (Task == ModelTask.Binary)
            {
                for (var r = 0; r < rows; r++)
                {
                    probabilities[r] = _calibrator!.PredictProbability(scores[r]);
                }
            }

            return;
        }

        Span<float> row = classes <= 64 ? stackalloc float[classes] : new float[classes];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < classes; k++)
            {
                row[k] = _outputs[k].Raw(sums[(k * stride) + r]);
            }

            switch (_combination)
            {
                case Combination.Normalized:
                    for (var k = 0; k < classes; k++)
                    {
                        row[k] = _outputs[k].Calibrator!.PredictProbability(row[k]);
                    }

                    NormalizeSumToOne(row);
                    break;
                case Combination.Softmax:
                    Softmax(row);
                    break;
                default:
                    break;
            }

            row.CopyTo(scores.Slice(r * classes, classes));
        }
    }

    /// <summary>ML.NET's <c>OneVersusAllModelParameters.ImplDist.NormalizeSumToOne</c>.</summary>
    private static void NormalizeSumToOne(Span<float> output)
    {
        double sum = 0;
        for (var i = 0; i < output.Length; i++)
        {
            var value = output[i];
            if (float.IsNaN(value))
            {
                continue;
            }

            if (value >= 0)
            {
                sum += value;
            }
            else
            {
                output[i] = 0;
            }
        }

        if (sum > 0)
        {
            for (var i = 0; i < output.Length; i++)
            {
                output[i] = (float)(output[i] / sum);
            }
        }
    }

    /// <summary>ML.NET's <c>OneVersusAllModelParameters.ImplSoftmax.NormalizeSoftmax</c>.</summary>
    private static void Softmax(Span<float> scores)
    {
        double sum = 0;
        Span<double> exp = scores.Length <= 64 ? stackalloc double[scores.Length] : new double[scores.Length];
        for (var i = 0; i < scores.Length; i++)
        {
            exp[i] = Math.Exp(scores[i]);
            sum += exp[i];
        }

        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = (float)(exp[i] / sum);
        }
    }

    private static bool TryReadOneVersusAll(OneVersusAllModelParameters ova, List<Output> outputs, out Combination combination, out string reason)
    {
        combination = Combination.Raw;
        var impl = ImplField?.GetValue(ova);
        var formula = impl?.GetType().GetField("OutputFormula")?.GetValue(impl);
        if (SubModelsProperty?.GetValue(ova) is not IEnumerable subModels || formula is null)
        {
            reason = "this ML.NET version keeps one-versus-all classes elsewhere";
            return false;
        }

        // OneVersusAllModelParameters.OutputFormula: Raw = 0, ProbabilityNormalization = 1, Softmax = 2.
        switch (Convert.ToInt32(formula, System.Globalization.CultureInfo.InvariantCulture))
        {
            case 0:
                combination = Combination.Raw;
                break;
            case 1:
                combination = Combination.Normalized;
                break;
            case 2:
                combination = Combination.Softmax;
                break;
            default:
                reason = $"one-versus-all output formula {formula} is not scored here";
                return false;
        }

        foreach (var subModel in subModels)
        {
            switch (subModel)
            {
                case CalibratedModelParametersBase { SubModel: TreeEnsembleModelParameters trees, Calibrator: var calibrator }:
                    outputs.Add(new Output(trees, calibrator as PlattCalibrator));
                    break;
                case TreeEnsembleModelParameters trees:
                    outputs.Add(new Output(trees, null));
                    break;
                default:
                    reason = $"a class is scored by {subModel.GetType().Name}";
                    return false;
            }
        }

        if (combination == Combination.Normalized && outputs.Any(o => o.Calibrator is null))
        {
            reason = "a one-versus-all class has no Platt calibrator";
            return false;
        }

        reason = string.Empty;
        return outputs.Count > 0;
    }

    // The ensembles whose ML.NET score is the trees' sum (or, for a regression forest, their mean) and nothing else.
    private static bool IsKnown(TreeEnsembleModelParameters model) => model is FastTreeBinaryModelParameters
        or FastTreeRegressionModelParameters or FastForestBinaryModelParameters or FastForestRegressionModelParameters
        or LightGbmBinaryModelParameters or LightGbmRegressionModelParameters;

    private static List<RegressionTreeBase> Trees(TreeEnsembleModelParameters model) => model switch
    {
        TreeEnsembleModelParametersBasedOnRegressionTree boosted => [.. boosted.TrainedTreeEnsemble.Trees],
        TreeEnsembleModelParametersBasedOnQuantileRegressionTree forest => [.. forest.TrainedTreeEnsemble.Trees],
        _ => [],
    };

    private static void Flatten(ITransformer transformer, List<ITransformer> into)
    {
        if (transformer is IEnumerable<ITransformer> chain)
        {
            foreach (var part in chain)
            {
                Flatten(part, into);
            }
        }
        else
        {
            into.Add(transformer);
        }
    }

    /// <summary>
    /// Scores a probe of feature vectors built around the trees' own thresholds (equal to, just below and just above
    /// them, zero, missing) both here and through ML.NET, and compares every output bit for bit: the predictor alone on
    /// the feature vectors, and, when the featurizer is skipped, the whole model on the same values as its input.
    /// </summary>
    private bool AgreesWith(ITransformer scoring, string featuresColumn, ITransformer model, DataViewSchema inputSchema, out string reason)
    {
        var random = new Random(17);
        var thresholds = new List<float>[FeatureCount];
        foreach (var output in _outputs)
        {
            foreach (var tree in Trees(output.Model))
            {
                for (var n = 0; n < tree.NumberOfNodes; n++)
                {
                    if (!tree.CategoricalSplitFlags[n])
                    {
                        (thresholds[tree.NumericalSplitFeatureIndexes[n]] ??= []).Add(tree.NumericalSplitThresholds[n]);
                    }
                }
            }
        }

        var vectors = new float[ProbeRows][];
        for (var r = 0; r < ProbeRows; r++)
        {
            var vector = vectors[r] = new float[FeatureCount];
            for (var f = 0; f < FeatureCount; f++)
            {
                var near = thresholds[f] is { Count: > 0 } list ? list[random.Next(list.Count)] : 0f;
                vector[f] = random.Next(12) switch
                {
                    0 => float.NaN,
                    1 => 0f,
                    2 => 1f,
                    3 => near,
                    4 => MathF.BitDecrement(near),
                    5 => MathF.BitIncrement(near),
                    _ => near + (float)((random.NextDouble() - 0.5) * 4 * Math.Max(1, Math.Abs(near))),
                };
            }
        }

        var scores = new float[ProbeRows * OutputCount];
        var probabilities = new float[ProbeRows];
        var block = new int[BlockRows * Width];
        var sums = new double[BlockRows * OutputCount];
        for (var start = 0; start < ProbeRows; start += BlockRows)
        {
            var count = Math.Min(BlockRows, ProbeRows - start);
            for (var r = 0; r < count; r++)
            {
                for (var j = 0; j < UsedFeatures.Length; j++)
                {
                    block[(j * BlockRows) + r] = FlatTrees.Key(vectors[start + r][UsedFeatures[j]]);
                }
            }

            Score(block, count, true, sums, scores.AsSpan(start * OutputCount), probabilities.AsSpan(start));
        }

        var featuresOnly = new DataViewSchema.Builder();
        featuresOnly.AddColumn(featuresColumn, new VectorDataViewType(NumberDataViewType.Single, FeatureCount));
        if (!Matches(scoring, featuresOnly.ToSchema(), vectors, scores, probabilities, out reason))
        {
            reason = $"the flattened trees disagree with ML.NET: {reason}";
            return false;
        }

        if (PassThrough && !Matches(model, inputSchema, vectors, scores, probabilities, out reason))
        {
            reason = $"the features are not the numeric inputs as they are: {reason}";
            return false;
        }

        return true;
    }

    private bool Matches(ITransformer transformer, DataViewSchema schema, float[][] vectors, float[] scores, float[] probabilities, out string reason)
    {
        var input = new DynamicInputRow(schema);
        var mapper = transformer.GetRowToRowMapper(schema);
        var outputs = mapper.OutputSchema;
        var score = outputs["Score"];
        var active = new List<DataViewSchema.Column> { score };
        if (Task == ModelTask.Binary)
        {
            active.Add(outputs["Probability"]);
        }

        var row = mapper.GetRow(input, active);
        var getVector = Task == ModelTask.Multiclass ? row.GetGetter<VBuffer<float>>(score) : null;
        var getScore = Task == ModelTask.Multiclass ? null : row.GetGetter<float>(score);
        var getProbability = Task == ModelTask.Binary ? row.GetGetter<float>(outputs["Probability"]) : null;
        VBuffer<float> expected = default;
        for (var r = 0; r < vectors.Length; r++)
        {
            vectors[r].CopyTo(input.Numbers, 0);
            input.Advance();
            if (getVector is not null)
            {
                getVector(ref expected);
                var values = expected.DenseValues().ToArray();
                for (var k = 0; k < OutputCount; k++)
                {
                    if (!Same(values[k], scores[(r * OutputCount) + k]))
                    {
                        reason = $"row {r} class {k}: {values[k]:R} vs {scores[(r * OutputCount) + k]:R}";
                        return false;
                    }
                }

                continue;
            }

            float expectedScore = 0;
            getScore!(ref expectedScore);
            if (!Same(expectedScore, scores[r]))
            {
                reason = $"row {r}: score {expectedScore:R} vs {scores[r]:R}";
                return false;
            }

            if (getProbability is not null)
            {
                float expectedProbability = 0;
                getProbability(ref expectedProbability);
                if (!Same(expectedProbability, probabilities[r]))
                {
                    reason = $"row {r}: probability {expectedProbability:R} vs {probabilities[r]:R}";
                    return false;
                }
            }
        }

        reason = string.Empty;
        return true;
    }

    private static bool Same(float a, float b) => BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b);

    /// <summary>One output of the ensemble (the model, or one class of a one-versus-all model) and how its sum becomes a score.</summary>
    private sealed record Output(TreeEnsembleModelParameters Model, PlattCalibrator? Calibrator)
    {
        public FlatTrees? Trees { get; init; }

        private bool Averaged { get; } = Model is FastForestRegressionModelParameters;

        /// <summary>ML.NET's <c>Map</c>: the sum as float, divided by the tree count for a regression forest.</summary>
        public float Raw(double sum) => Averaged ? (float)sum / Trees!.TreeCount : (float)sum;
    }
}
