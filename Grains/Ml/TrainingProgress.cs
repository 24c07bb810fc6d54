namespace OrleansMl.Ml;

/// <summary>A progress report from a training run: a stage name and the overall fraction done (0–1).</summary>
public readonly record struct TrainingProgress(string Stage, double Fraction);
