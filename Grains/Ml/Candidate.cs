using System.Globalization;

namespace OrleansMl.Ml;

/// <summary>
/// One learner with its settings: what the search tries and what a model version reports it used. <paramref name="L1"/>
/// is null for the learner's own L1 penalty (<see cref="L1For"/>).
/// </summary>
internal sealed record Candidate(
    TrainingAlgorithm Algorithm,
    int Trees,
    int Leaves,
    double LearningRate,
    int MinLeaf,
    double L2,
    double? L1 = null)
{
    /// <summary>The learner's defaults for a training set of <paramref name="rows"/>, overridden by fixed parameters.</summary>
    public static Candidate Default(TrainingAlgorithm algorithm, int rows, HyperParameters fixedParameters)
    {
        var candidate = algorithm switch
        {
            TrainingAlgorithm.FastTree => new Candidate(algorithm, 100, 20, 0.2, MinLeafFor(rows, 10), 0),
            TrainingAlgorithm.FastForest => new Candidate(algorithm, 100, Math.Clamp(rows / 64, 20, 512), 0, MinLeafFor(rows, 2), 0),
            // L2 1, scikit-learn's LogisticRegression at its default C = 1 (ML.NET's L-BFGS weighs 0.5 · L2 · |w|² against
            // the summed loss): on 80 seeded splits of the public datasets it scored higher on average than L2 0.1 on
            // breast cancer, wine and diabetes and the same on iris (docs/performance.md).
            TrainingAlgorithm.Linear => new Candidate(algorithm, 100, 0, 0, 0, 1),
            TrainingAlgorithm.Lda or TrainingAlgorithm.KernelRidge => new Candidate(algorithm, 0, 0, 0, 0, 0),
            // LightGBM's own defaults (and ML.NET's): 100 trees of 31 leaves at a learning rate of 0.1.
            _ => new Candidate(TrainingAlgorithm.LightGbm, 100, 31, 0.1, MinLeafFor(rows, 20), 0),
        };
        return candidate.With(fixedParameters);
    }

    /// <summary>Applies the parameters the caller fixed; the search only varies the others.</summary>
    public Candidate With(HyperParameters fixedParameters) => this with
    {
        Trees = fixedParameters.Trees ?? Trees,
        Leaves = fixedParameters.Leaves ?? Leaves,
        LearningRate = fixedParameters.LearningRate ?? LearningRate,
        MinLeaf = fixedParameters.MinLeaf ?? MinLeaf,
        L2 = fixedParameters.L2 ?? L2,
        L1 = fixedParameters.L1 ?? L1,
    };

    /// <summary>
    /// The L1 penalty the learner is fitted with, weighed against the summed loss like the L2 term: the caller's, or the
    /// learner's own (<see cref="Learners.LinearClassifierL1"/> for the linear classifiers, none for linear regression and
    /// LightGBM). FastTree and FastForest have none.
    /// </summary>
    public double L1For(ModelTask task) => Algorithm switch
    {
        TrainingAlgorithm.Linear when task is ModelTask.Binary or ModelTask.Multiclass => L1 ?? Learners.LinearClassifierL1,
        TrainingAlgorithm.Linear or TrainingAlgorithm.LightGbm => L1 ?? 0,
        _ => 0,
    };

    public string Describe(ModelTask task) => Algorithm switch
    {
        TrainingAlgorithm.FastTree => Format($"fasttree(leaves={Leaves},trees={Trees},lr={LearningRate},minLeaf={MinLeaf})"),
        TrainingAlgorithm.FastForest => Format($"fastforest(leaves={Leaves},trees={Trees},minLeaf={MinLeaf})"),
        TrainingAlgorithm.Linear => Format($"linear({LinearLearner(task)},l1={L1For(task)},l2={L2},iterations={Trees})"),
        TrainingAlgorithm.Lda => "lda(shrinkage=ledoit-wolf)",
        TrainingAlgorithm.KernelRidge => Format($"kernelridge(linear+rbf,randomFeatures={KernelRidge.RandomFeatures},l2=leave-one-out)"),
        _ => Format($"lightgbm(leaves={Leaves},trees={Trees},lr={LearningRate},minLeaf={MinLeaf},l1={L1For(task)},l2={L2})"),
    };

    public override string ToString() => Describe(ModelTask.Auto);

    /// <summary>Which linear learner serves a task.</summary>
    public static string LinearLearner(ModelTask task) => task switch
    {
        ModelTask.Binary => "lbfgs-logistic",
        ModelTask.Multiclass => "lbfgs-maxent",
        _ => "least-squares",
    };

    private static int MinLeafFor(int rows, int atMost) => Math.Clamp(rows / 100, 1, atMost);

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
