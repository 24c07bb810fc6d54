namespace OrleansMl;

/// <summary>A schedule is invalid: a period out of range, an unknown trigger, a field that does not fit the model.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidScheduleException")]
public sealed class InvalidScheduleException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidScheduleException(string message) : base(message) { }
}
