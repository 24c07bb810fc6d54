namespace OrleansMl;

/// <summary>A read of the audit log has a limit out of range or a cursor the log did not hand out.</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidAuditQueryException")]
public sealed class InvalidAuditQueryException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InvalidAuditQueryException(string message) : base(message) { }
}
