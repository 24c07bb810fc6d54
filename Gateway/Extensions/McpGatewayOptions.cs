using System.ComponentModel.DataAnnotations;

namespace OrleansMl.Gateway.Extensions;

/// <summary>Settings of the MCP endpoint (section <c>Mcp</c>; environment variables <c>Mcp__Name</c>).</summary>
public sealed class McpGatewayOptions
{
    public const string SectionName = "Mcp";

    /// <summary>Largest CSV text <c>create_dataset</c> accepts, in KB (<c>Mcp__MaxCsvKilobytes</c>); bigger files go through REST.</summary>
    [Range(1, 1 << 20, ErrorMessage = "Mcp:MaxCsvKilobytes must be between 1 and 1048576; set Mcp__MaxCsvKilobytes.")]
    public int MaxCsvKilobytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Whether plain <c>predict</c> calls are answered without the SDK's per-request server (<c>Mcp__DirectPredict</c>;
    /// see <see cref="Mcp.DirectPredictCalls"/>). The answers are the same either way; false sends every call through the SDK.
    /// </summary>
    public bool DirectPredict { get; set; } = true;

    public long MaxCsvBytes => (long)MaxCsvKilobytes << 10;

    /// <summary>Largest request body on <c>/mcp</c>: the CSV limit, room for JSON escaping, and 1 MB for the rest of a call.</summary>
    public long MaxRequestBytes => (2 * MaxCsvBytes) + (1 << 20);
}
