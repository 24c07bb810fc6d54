namespace OrleansMl;

/// <summary>
/// Base of every domain error that crosses the grain boundary. The message says what was wrong and what to do;
/// gateways map each subtype to one HTTP status and one MCP error text.
/// </summary>
[GenerateSerializer, Alias("OrleansMl.OrleansMlException")]
public abstract class OrleansMlException : Exception
{
    /// <summary>Creates the exception with a user-facing message.</summary>
    protected OrleansMlException(string message) : base(message) { }
}
