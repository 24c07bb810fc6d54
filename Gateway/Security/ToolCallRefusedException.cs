using ModelContextProtocol;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// A tool call that access control refused before the tool ran: a tool error whose text says why, and whose
/// <see cref="Kind"/> (<c>forbidden</c>, <c>rate_limited</c>) the tool metrics count it under.
/// </summary>
internal sealed class ToolCallRefusedException(string kind, string message) : McpException(message)
{
    public const string Forbidden = "forbidden";

    public const string RateLimited = "rate_limited";

    public string Kind { get; } = kind;
}
