using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Answers a tool error (an <see cref="McpException"/> that is not a protocol error: a domain error such as an unknown
/// model or an invalid row, a refused or rate-limited call) as the tool result it becomes anyway, with
/// <c>isError</c> and the error's text. Thrown through the SDK, each one was logged as an unhandled exception with its
/// stack trace, so any caller could fill the gateway's error log with mistakes of its own. Protocol errors (invalid
/// params) still travel as JSON-RPC errors. It wraps every other call-tool filter, so the metrics filter still sees
/// the error's kind.
/// </summary>
internal static class ToolErrorResults
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Wrap(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            try
            {
                return await next(context, cancellationToken);
            }
            catch (McpException ex) when (ex is not McpProtocolException)
            {
                return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = ex.Message }] };
            }
        };
}
