using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// The hyper-parameters a training request may fix (<see cref="TrainingRequest.Parameters"/>), by name, and which
/// algorithm uses which. Names match in any case; <c>iterations</c> is another name for <c>trees</c>.
/// </summary>
public static class TrainingParameters
{
    /// <summary>Every parameter, in the order forms list them.</summary>
    public static ImmutableArray<string> Names { get; } = ["trees", "leaves", "learningRate", "minLeaf", "l1", "l2", "timeBudgetSeconds"];

    /// <summary>The parameter a key names, spelled as in <see cref="Names"/> (<c>iterations</c> is <c>trees</c>); null for none.</summary>
    public static string? Canonical(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Equals("iterations", StringComparison.OrdinalIgnoreCase)
            ? "trees"
            : Names.FirstOrDefault(n => n.Equals(key, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The parameters <paramref name="algorithm"/> uses (a linear model's <c>trees</c> are its iterations); naming
    /// another is refused. <c>auto</c> takes them all and applies each to the learners that use it.
    /// </summary>
    public static ImmutableArray<string> UsedBy(TrainingAlgorithm algorithm) => algorithm switch
    {
        TrainingAlgorithm.Linear => ["trees", "l1", "l2", "timeBudgetSeconds"],
        TrainingAlgorithm.FastForest => ["trees", "leaves", "minLeaf", "timeBudgetSeconds"],
        TrainingAlgorithm.FastTree => ["trees", "leaves", "learningRate", "minLeaf", "timeBudgetSeconds"],
        TrainingAlgorithm.Lda or TrainingAlgorithm.KernelRidge => ["timeBudgetSeconds"],
        _ => Names,
    };
}
