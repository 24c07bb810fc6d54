namespace OrleansMl;

/// <summary>The learner used to fit a model.</summary>
public enum TrainingAlgorithm
{
    /// <summary>
    /// Chosen by cross-validating the learners at their defaults under 10,000 training rows, by a time-boxed search on a
    /// sample above; the version's <see cref="ModelVersionInfo.Search"/> says how.
    /// </summary>
    Auto = 0,

    /// <summary>Gradient-boosted trees (ML.NET FastTree).</summary>
    FastTree = 1,

    /// <summary>Gradient-boosted trees (LightGBM).</summary>
    LightGbm = 2,

    /// <summary>A random forest (ML.NET FastForest).</summary>
    FastForest = 3,

    /// <summary>A linear model: L-BFGS logistic regression or maximum entropy for classes, SDCA least squares for a regression.</summary>
    Linear = 4,

    /// <summary>
    /// Linear discriminant analysis (classes only): a Gaussian per class with one shared covariance, fitted in closed form;
    /// for small numeric data whose classes are roughly Gaussian.
    /// </summary>
    Lda = 5,

    /// <summary>
    /// Kernel ridge regression (regression only): a linear plus a Gaussian kernel over the standardized features, on random
    /// Fourier features, its penalty chosen by leave-one-out error; for small numeric data with smooth curvature.
    /// </summary>
    KernelRidge = 6,
}
