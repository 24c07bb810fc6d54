namespace OrleansMl;

/// <summary>What a schedule does with a version it trained, once it succeeded.</summary>
public enum ScheduleThen
{
    /// <summary>Nothing: the version is registered and can be promoted by hand.</summary>
    None,

    /// <summary>Starts a rollout of the version against the alias of the schedule's rollout spec (default production).</summary>
    Rollout,

    /// <summary>Promotes the version to production when its primary held-out metric beats the production version's.</summary>
    PromoteIfBetter,
}
