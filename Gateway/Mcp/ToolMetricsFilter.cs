using System.Diagnostics;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Diagnostics;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Counts every tool call with its duration, and the failed ones by kind: calls access control refused (forbidden,
/// rate_limited), arguments refused as invalid params, tool errors the model can act on, and anything else. The tool
/// label is a registered tool's name, never the caller's text. It is the outermost call-tool filter, so it sees refused
/// calls too.
/// </summary>
internal static class ToolMetricsFilter
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Wrap(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            var name = context.Params?.Name;
            var tool = name is not null && context.Server.ServerOptions.ToolCollection is { } tools && tools.TryGetPrimitive(name, out _) ? name : "unknown";
            var started = Stopwatch.GetTimestamp();
            string? error = null;
            try
            {
                var result = await next(context, cancellationToken);
                error = result.IsError is true ? "tool_error" : null;
                return result;
            }
            catch (McpProtocolException ex)
            {
                error = ex.ErrorCode == McpErrorCode.InvalidParams ? "invalid_params" : "protocol";
                throw;
            }
            catch (ToolCallRefusedException ex)
            {
                error = ex.Kind;
                throw;
            }
            catch (McpException)
            {
                error = "tool_error";
                throw;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                error = "cancelled";
                throw;
            }
            catch
            {
                error = "internal";
                throw;
            }
            finally
            {
                OrleansMlMetrics.ToolCalled(tool, Stopwatch.GetElapsedTime(started), error);
            }
        };
}
