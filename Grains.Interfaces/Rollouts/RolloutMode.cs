namespace OrleansMl;

/// <summary>How a rollout sends traffic to its candidate.</summary>
public enum RolloutMode
{
    /// <summary>A share of the alias's requests is answered by the candidate.</summary>
    Canary,

    /// <summary>The baseline answers every request; the candidate scores the same rows off the request path.</summary>
    Shadow,
}
