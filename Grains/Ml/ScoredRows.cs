namespace OrleansMl.Ml;

/// <summary>
/// What a <see cref="ModelPredictor"/> computed for a batch, as arrays: per row the predicted class index and the score
/// (classification) or the value (regression), and per row one probability per class in the model's class order.
/// </summary>
public sealed class ScoredRows
{
    public ScoredRows(ModelTask task, int count, int classes)
    {
        Task = task;
        Count = count;
        Classes = task == ModelTask.Regression ? 0 : classes;
        Labels = task == ModelTask.Regression ? [] : new int[count];
        Scores = new double[count];
        Probabilities = task == ModelTask.Regression ? [] : new double[count * classes];
    }

    public ModelTask Task { get; }

    public int Count { get; }

    /// <summary>Classes per row in <see cref="Probabilities"/> (0 for regression).</summary>
    public int Classes { get; }

    /// <summary>Per row, the index of the predicted class (empty for regression).</summary>
    public int[] Labels { get; }

    /// <summary>Per row, the score (classification) or the value (regression).</summary>
    public double[] Scores { get; }

    /// <summary>Row after row, one probability per class.</summary>
    public double[] Probabilities { get; }
}
