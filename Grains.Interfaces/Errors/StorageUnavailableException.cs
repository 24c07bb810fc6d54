namespace OrleansMl;

/// <summary>
/// The durable store did not accept a change, so the change was not made: nothing the call would have changed is
/// visible, now or after a restart. Trying again later is safe.
/// </summary>
[GenerateSerializer, Alias("OrleansMl.StorageUnavailableException")]
public sealed class StorageUnavailableException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public StorageUnavailableException(string message) : base(message) { }
}
