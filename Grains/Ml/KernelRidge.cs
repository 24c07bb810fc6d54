using MathNet.Numerics.LinearAlgebra;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace OrleansMl.Ml;

/// <summary>
/// Kernel ridge regression with the sum of a linear and a Gaussian kernel, <c>k(x, x') = x · x' + exp(−γ |x − x'|²)</c>
/// over the standardized features, fitted in its primal form on random Fourier features (Rahimi and Recht, 2007): the
/// Gaussian part is ML.NET's <c>ApproximatedKernelMap</c>, <see cref="RandomFeatures"/> features <c>√(2/D) cos(ω · x + b)</c>
/// with <c>γ</c> set from the median squared distance between rows (ML.NET's Gaussian kernel at its default width), and the
/// model is a linear regression over the standardized features and those together, with an unpenalized intercept. Its
/// L2 penalty is the one of <see cref="Penalties"/> with the smallest leave-one-out error, read exactly from the hat
/// matrix: <c>eᵢ = (yᵢ − ŷᵢ) / (1 − hᵢᵢ)</c>, every penalty at once from one eigendecomposition of the centred cross-products
/// (what scikit-learn's <c>RidgeCV</c> does by default).
/// <para>
/// The linear part makes it nest the linear model (a large penalty on the curvature leaves a ridge regression), and the
/// Gaussian part adds the smooth curvature that tree ensembles approximate in steps: on scikit-learn's diabetes set its
/// mean test RMSE over 20 seeded splits was 54.3 against the linear model's 54.8 and FastForest's 56.8 (docs/performance.md).
/// </para>
/// <para>
/// Two passes over the rows: the centred cross-products of the <c>d + D</c> features (<see cref="LeastSquares"/>'s), then
/// each row's projection on their eigenvectors for its leverage and fitted value at every penalty. Each costs
/// <c>(d + D)²</c> multiply-adds a row, and the eigendecomposition <c>(d + D)³</c> once. The model is ML.NET's own
/// transforms and linear regression, so it is saved, loaded and served like any other.
/// </para>
/// </summary>
internal sealed class KernelRidge(MLContext ml, int seed, CancellationToken cancellationToken = default) : IEstimator<ITransformer>
{
    /// <summary>The random Fourier features of the Gaussian part.</summary>
    public const int RandomFeatures = 192;

    /// <summary>The most encoded input features it fits, so that with the random ones they stay within <see cref="LeastSquares.MaxFeatures"/>.</summary>
    public const int MaxFeatures = LeastSquares.MaxFeatures - RandomFeatures;

    // The columns it adds: the random features, and those after the standardized ones (what the regression reads). An
    // input column's name never starts with two underscores in the pipeline (FeatureLayout.TextColumnName).
    private const string Random = "__kernel_random";
    private const string Combined = "__kernel_features";

    /// <summary>
    /// The most training rows <c>auto</c> tries it on. A fit costs about <c>1.5 n (d + D)²</c> multiply-adds besides its
    /// eigendecomposition (on 1,333 rows of 10 numbers 50-70 ms, on 236 rows about 30 ms), and the search runs it once per
    /// fold and once more if it wins: at 2,000 training rows of 10 numbers it took <c>auto</c> from 0.39 to 0.51-0.58 s, where
    /// boosted trees won anyway. It is the small sets, where trees have too few rows, that it is for.
    /// </summary>
    public const int MaxSearchRows = 1_000;

    /// <summary>The most numbers <c>auto</c> tries it on (the public sets have 4 to 30).</summary>
    public const int MaxSearchFeatures = 50;

    /// <summary>
    /// Whether <c>auto</c> tries the learner: a regression of numbers only (no categories or text), at most
    /// <see cref="MaxSearchFeatures"/> of them and <see cref="MaxSearchRows"/> training rows.
    /// </summary>
    public static bool Suits(ModelTask task, FeatureLayout layout, int rows) =>
        task == ModelTask.Regression && layout.Text.IsEmpty && layout.Numeric.Length <= MaxSearchFeatures && rows <= MaxSearchRows && LeastSquares.IsAvailable;

    /// <summary>The L2 penalties leave-one-out chooses from (weighed against the summed squared error): 10⁻³ to 10⁵ in quarter decades.</summary>
    internal static readonly double[] Penalties = [.. Enumerable.Range(0, 33).Select(i => Math.Pow(10, -3 + (i / 4.0)))];

    /// <summary>The penalty the last fit chose (for tests).</summary>
    public double ChosenPenalty { get; private set; }

    /// <summary>The last fit's mean squared leave-one-out error at each of <see cref="Penalties"/> (for tests).</summary>
    public double[] LeaveOneOutErrors { get; private set; } = [];

    public ITransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var width = (input.Schema[FeatureLayout.Features].Type as VectorDataViewType)?.Size ?? 0;
        if (width == 0)
        {
            throw new InvalidTrainingRequestException("Algorithm kernelridge needs at least one feature.");
        }

        if (width > MaxFeatures)
        {
            throw new InvalidTrainingRequestException(
                $"Algorithm kernelridge fits at most {MaxFeatures} encoded features and these are {width}: choose fewer features, or linear.");
        }

        if (!LeastSquares.IsAvailable)
        {
            throw new InvalidOperationException("This ML.NET does not let a linear regression be built from its weights; kernelridge needs it.");
        }

        var map = ml.Transforms.ApproximatedKernelMap(Random, FeatureLayout.Features, RandomFeatures, useCosAndSinBases: false, new GaussianKernel(), seed).Fit(input);
        var mapped = map.Transform(input);
        var concatenate = ml.Transforms.Concatenate(Combined, FeatureLayout.Features, Random).Fit(mapped);
        var rows = concatenate.Transform(mapped);
        var (weights, bias) = Solve(rows, width + RandomFeatures);
        var regression = LeastSquares.Model(ml, weights, bias, rows.Schema, Combined);
        return new TransformerChain<ITransformer>(map, concatenate, regression);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        ml.Regression.Trainers.Sdca(FeatureLayout.Label, FeatureLayout.Features).GetOutputSchema(inputSchema);

    private (double[] Weights, double Bias) Solve(IDataView rows, int width)
    {
        var (count, means, labelMean, products, targets, _) = LeastSquares.CentredMoments(rows, Combined, width, cancellationToken);
        if (count == 0)
        {
            throw new InvalidTrainingRequestException("No training row has a finite label and finite features: a kernel ridge regression needs at least one.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var evd = Matrix<double>.Build.DenseOfArray(products).Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(v => Math.Max(0, v.Real)).ToArray();
        var vectors = evd.EigenVectors;

        // Row k of `basis` is eigenvector k; `projected[k]` is its product with Xᵀy.
        var basis = new double[width][];
        var projected = new double[width];
        for (var k = 0; k < width; k++)
        {
            basis[k] = new double[width];
            for (var j = 0; j < width; j++)
            {
                basis[k][j] = vectors[j, k];
                projected[k] += vectors[j, k] * targets[j];
            }
        }

        var penalty = Penalties[LeaveOneOutBest(rows, width, count, means, labelMean, values, basis, projected)];
        ChosenPenalty = penalty;
        var weights = new double[width];
        for (var k = 0; k < width; k++)
        {
            var scale = projected[k] / (values[k] + penalty);
            for (var j = 0; j < width; j++)
            {
                weights[j] += basis[k][j] * scale;
            }
        }

        var bias = labelMean;
        for (var j = 0; j < width; j++)
        {
            bias -= weights[j] * means[j];
        }

        return (weights, bias);
    }

    /// <summary>
    /// The index of the penalty with the smallest mean squared leave-one-out error, the larger penalty on a tie. With the
    /// cross-products <c>XᵀX = U S Uᵀ</c> and a row's projection <c>g = Uᵀ(x − x̄)</c>, at penalty λ its leverage is
    /// <c>1/n + Σ g_k² / (s_k + λ)</c> (the first term the intercept's) and its fitted value <c>ȳ + Σ g_k (UᵀXᵀy)_k / (s_k + λ)</c>.
    /// </summary>
    private int LeaveOneOutBest(IDataView rows, int width, long count, double[] means, double labelMean, double[] values, double[][] basis, double[] projected)
    {
        var projection = new double[width];
        var squares = new double[width];
        var towardsLabel = new double[width];
        var errors = new double[Penalties.Length];
        var inverse = new double[Penalties.Length][];
        for (var t = 0; t < Penalties.Length; t++)
        {
            inverse[t] = [.. values.Select(s => 1 / (s + Penalties[t]))];
        }

        foreach (var (row, label) in LeastSquares.FiniteRows(rows, Combined, width, cancellationToken))
        {
            for (var j = 0; j < width; j++)
            {
                row[j] -= means[j];
            }

            for (var k = 0; k < width; k++)
            {
                projection[k] = DenseMath.Dot(basis[k], row);
                squares[k] = projection[k] * projection[k];
                towardsLabel[k] = projection[k] * projected[k];
            }

            var residual = label - labelMean;
            for (var t = 0; t < Penalties.Length; t++)
            {
                var leverage = (1.0 / count) + DenseMath.Dot(squares, inverse[t]);
                var fitted = DenseMath.Dot(towardsLabel, inverse[t]);
                var error = leverage < 1 ? (residual - fitted) / (1 - leverage) : double.PositiveInfinity;
                errors[t] += error * error;
            }
        }

        LeaveOneOutErrors = [.. errors.Select(e => e / count)];
        var best = Penalties.Length - 1;
        for (var t = Penalties.Length - 2; t >= 0; t--)
        {
            if (errors[t] < errors[best])
            {
                best = t;
            }
        }

        return best;
    }
}
