namespace OrleansMl;

/// <summary>The artifact store has too little free space to take more data; nothing was stored.</summary>
[GenerateSerializer, Alias("OrleansMl.InsufficientStorageException")]
public sealed class InsufficientStorageException : OrleansMlException
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    public InsufficientStorageException(string message) : base(message) { }
}
