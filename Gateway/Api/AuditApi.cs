using System.Collections.Immutable;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Api;

/// <summary>REST route for the audit log: <c>/api/audit</c> (scope <c>read</c>).</summary>
public static class AuditApi
{
    /// <summary>Entries per page when the request does not say.</summary>
    public const int DefaultLimit = 50;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", ListAsync)
            .WithTags("Audit")
            .RequireScope(Scopes.Read)
            .WithSummary("Changes: who did what, when, from → to, newest first")
            .WithDescription("Dataset versions, training requests and cancellations, alias promotions and rollbacks, and (for admin) key creation and "
                + "revocation. since: an ISO 8601 time; limit: 1-500 (default 50); cursor: nextCursor of the previous page. A caller limited to "
                + "name patterns sees only the changes to those models and datasets.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .AddEndpointFilter<FailoverFilter>();
        return app;
    }

    internal static async Task<Ok<AuditList>> ListAsync(IGrainFactory grains, ClaimsPrincipal user, DateTimeOffset? since = null, int? limit = null, string? cursor = null) =>
        TypedResults.Ok(await ReadAsync(grains, user, since, limit, cursor));

    /// <summary>One page of the log as the caller may see it; shared with the MCP tool.</summary>
    public static async Task<AuditList> ReadAsync(IGrainFactory grains, ClaimsPrincipal? user, DateTimeOffset? since, int? limit, string? cursor)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var size = limit ?? DefaultLimit;
        if (size is < 1 or > IAuditLogGrain.MaxLimit)
        {
            throw new InvalidAuditQueryException($"limit must be between 1 and {IAuditLogGrain.MaxLimit} (got {size}).");
        }

        long? before = null;
        if (cursor is not null)
        {
            before = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
                ? parsed
                : throw new InvalidAuditQueryException($"cursor '{cursor}' is not one this log handed out: pass the nextCursor of the previous page, or omit it for the newest entries.");
        }

        var access = (user as CallerPrincipal)?.Access;
        var page = await grains.GetGrain<IAuditLogGrain>(IAuditLogGrain.Key).ListAsync(new AuditQuery(
            since, before, size, access?.Names ?? [], access?.Allows(ScopeSet.Admin) ?? false));
        return new AuditList(page.Entries, page.Next?.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>A page of the audit log, newest first.</summary>
/// <param name="Entries">Who did what, when, from → to.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next (older) page; null when this is the last.</param>
public sealed record AuditList(ImmutableArray<AuditEntry> Entries, string? NextCursor);
