namespace OrleansMl;

/// <summary>The model has no schedule.</summary>
[GenerateSerializer, Alias("OrleansMl.ScheduleNotFoundException")]
public sealed class ScheduleNotFoundException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public ScheduleNotFoundException(string message) : base(message) { }
}
