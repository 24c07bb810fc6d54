namespace OrleansMl.Hosting;

/// <summary>Prediction ids and feedback (section <c>OrleansMl:Feedback</c>).</summary>
public sealed class FeedbackOptions
{
    /// <summary>
    /// The secret prediction ids are signed with, the same on every silo (<c>OrleansMl__Feedback__SigningKey</c>, at
    /// least 16 characters). Unset: derived from the service id, the cluster id and the database connection string (or
    /// the data directory in embedded mode), which stays stable for a deployment; set it where those are not secret.
    /// Changing it makes earlier ids unknown to feedback.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>How long a prediction accepts feedback (<c>OrleansMl__Feedback__Retention</c>, default 7.00:00:00); older ids count as expired.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
}
