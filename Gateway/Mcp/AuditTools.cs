using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Mcp;

/// <summary>The MCP tool for the audit log: the same read as <see cref="AuditApi"/>.</summary>
[McpServerToolType]
public sealed class AuditTools(IGrainFactory grains)
{
    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "list_changes", Title = "List recent changes", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(AuditList))]
    [Description("Lists changes newest first from the audit log: who (key name or token subject) did what (dataset versions, training requests "
        + "and cancellations, alias promotions and rollbacks), when, and from → to. Use it to see who moved production and why.")]
    public async Task<CallToolResult> ListChanges(
        [Description("Only changes at or after this time, ISO 8601 (e.g. 2026-11-01T00:00:00Z). Omit for all.")] string? since = null,
        [Description("How many changes, 1 to 500. Default 50.")] int? limit = null,
        [Description("nextCursor of the previous answer, for older changes.")] string? cursor = null,
        ClaimsPrincipal? user = null)
    {
        DateTimeOffset? from = null;
        if (since is not null)
        {
            from = DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw new McpProtocolException($"since '{since}' is not a time: use ISO 8601, e.g. 2026-11-01T00:00:00Z.", McpErrorCode.InvalidParams);
        }

        var list = await ToolArguments.ReadAsync(() => AuditApi.ReadAsync(grains, user, from, limit, cursor));
        var text = list.Entries.IsEmpty
            ? "No changes recorded" + (since is null ? "." : $" since {since}.")
            : $"{list.Entries.Length} change(s), newest first: " + string.Join("; ", list.Entries.Take(20).Select(Describe))
              + (list.NextCursor is null ? "." : $". Older changes: call list_changes with cursor '{list.NextCursor}'.");
        return ToolResults.Structured(list, text);
    }

    private static string Describe(AuditEntry e) =>
        string.Create(CultureInfo.InvariantCulture, $"{e.At:u} {e.By ?? "anonymous"} {e.Action} {e.Target}")
        + (e.From is null && e.To is null ? string.Empty : $" {e.From ?? "∅"} → {e.To ?? "∅"}")
        + (e.Detail is null ? string.Empty : $" ({e.Detail})");
}
