using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// Per-tool authorization on <c>/mcp</c> (the endpoint itself only needs an authenticated caller): <c>tools/list</c> shows
/// the tools the caller may call; a call without the tool's <see cref="RequiresScopeAttribute"/> scope, or naming a model
/// or dataset outside the caller's name patterns, is a tool error that says so. Resources, prompts and completions need
/// <c>read</c>; lists are filtered (empty without it) and reads are refused with -32600.
/// </summary>
internal static class McpAccessFilters
{
    /// <summary>The tool arguments that name a model or dataset.</summary>
    private static readonly string[] NameArguments = ["model", "name", "dataset"];

    private static readonly ConcurrentDictionary<McpServerTool, RequiresScopeAttribute?> ToolScopes = new();

    public static void Install(McpServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var filters = options.Filters.Request;
        // First in the list is outermost: access is decided before arguments are validated or the tool runs.
        filters.CallToolFilters.Insert(0, CallTool);
        filters.ListToolsFilters.Insert(0, ListTools);
        filters.ListResourcesFilters.Insert(0, ListResources);
        filters.ListResourceTemplatesFilters.Insert(0, ListResourceTemplates);
        filters.ReadResourceFilters.Insert(0, ReadResource);
        filters.ListPromptsFilters.Insert(0, ListPrompts);
        filters.GetPromptFilters.Insert(0, GetPrompt);
        filters.CompleteFilters.Insert(0, Complete);
    }

    /// <summary>The scope a tool declares (null: none, so nobody may call it).</summary>
    public static RequiresScopeAttribute? ScopeOf(McpServerTool tool) =>
        ToolScopes.GetOrAdd(tool, static t => t.Metadata.OfType<RequiresScopeAttribute>().LastOrDefault());

    private static McpRequestHandler<CallToolRequestParams, CallToolResult> CallTool(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            var access = AccessOf(context.User);
            var name = context.Params?.Name;
            var tool = context.MatchedPrimitive as McpServerTool
                ?? (name is not null && context.Server.ServerOptions.ToolCollection is { } tools && tools.TryGetPrimitive(name, out var found) ? found : null);
            if (tool is null)
            {
                return await next(context, cancellationToken);
            }

            var required = ScopeOf(tool);
            if (Refusal(access, tool, required, context.Params?.Arguments) is { } refusal)
            {
                throw refusal;
            }

            if (required!.Training && context.Services?.GetService<TrainingLimiter>() is { } limiter
                && await limiter.TryTakeAsync(access.LimitKey ?? "anonymous") is { } wait)
            {
                throw new ToolCallRefusedException(
                    ToolCallRefusedException.RateLimited, $"Too many requests: {limiter.Refusal(access.Description)} Retry after {RateLimits.RetryAfterSeconds(wait)} s.");
            }

            if (SecurityExtensions.Changes(required))
            {
                Caller.Set(access.Name);
            }

            return await next(context, cancellationToken);
        };

    /// <summary>
    /// Whether <paramref name="user"/> may call <paramref name="tool"/> with <paramref name="arguments"/> with nothing
    /// for the call filter to add on the way: the tool's scope is held, every name argument is visible to the caller,
    /// and the call neither counts against the training limit nor records its caller. A call served without the SDK's
    /// filters (<see cref="Mcp.DirectPredictCalls"/>) must pass this; any other call goes through the filters.
    /// </summary>
    internal static bool AllowsPlainCall(System.Security.Claims.ClaimsPrincipal? user, McpServerTool tool, IDictionary<string, JsonElement> arguments) =>
        (user as CallerPrincipal)?.Access is { } access
        && ScopeOf(tool) is { Training: false } required
        && !SecurityExtensions.Changes(required)
        && Refusal(access, tool, required, arguments) is null;

    /// <summary>Why the caller may not call <paramref name="tool"/> with these arguments, or null when it may.</summary>
    private static ToolCallRefusedException? Refusal(
        CallerAccess access, McpServerTool tool, RequiresScopeAttribute? required, IDictionary<string, JsonElement>? arguments)
    {
        var name = tool.ProtocolTool.Name;
        if (required is null)
        {
            return new ToolCallRefusedException(ToolCallRefusedException.Forbidden, $"Forbidden: the tool {name} declares no scope, so it is refused to every caller.");
        }

        if (!access.Allows(required.Set))
        {
            return new ToolCallRefusedException(ToolCallRefusedException.Forbidden, $"Forbidden: {access.ScopeRefusal(name, required.Set)}");
        }

        foreach (var argument in NameArguments)
        {
            if (arguments?.TryGetValue(argument, out var value) is true && value.ValueKind == JsonValueKind.String
                && value.GetString() is { } named && !access.MayAccess(named))
            {
                return new ToolCallRefusedException(ToolCallRefusedException.Forbidden, $"Forbidden: {access.NameRefusal(named)}");
            }
        }

        return null;
    }

    private static McpRequestHandler<ListToolsRequestParams, ListToolsResult> ListTools(McpRequestHandler<ListToolsRequestParams, ListToolsResult> next) =>
        async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            var access = AccessOf(context.User);
            var tools = context.Server.ServerOptions.ToolCollection;
            result.Tools = [.. result.Tools.Where(t => tools is not null && tools.TryGetPrimitive(t.Name, out var tool)
                && ScopeOf(tool) is { } required && access.Allows(required.Set))];
            return result;
        };

    private static McpRequestHandler<ListResourcesRequestParams, ListResourcesResult> ListResources(McpRequestHandler<ListResourcesRequestParams, ListResourcesResult> next) =>
        async (context, cancellationToken) =>
        {
            var access = AccessOf(context.User);
            if (!access.Allows(ScopeSet.Read))
            {
                return new ListResourcesResult { Resources = [] };
            }

            var result = await next(context, cancellationToken);
            result.Resources = [.. result.Resources.Where(r => NameIn(r.Uri) is not { } n || access.MayAccess(n))];
            return result;
        };

    private static McpRequestHandler<ListResourceTemplatesRequestParams, ListResourceTemplatesResult> ListResourceTemplates(
        McpRequestHandler<ListResourceTemplatesRequestParams, ListResourceTemplatesResult> next) =>
        async (context, cancellationToken) => AccessOf(context.User).Allows(ScopeSet.Read)
            ? await next(context, cancellationToken)
            : new ListResourceTemplatesResult { ResourceTemplates = [] };

    private static McpRequestHandler<ReadResourceRequestParams, ReadResourceResult> ReadResource(McpRequestHandler<ReadResourceRequestParams, ReadResourceResult> next) =>
        async (context, cancellationToken) =>
        {
            var access = RequireRead(context.User, "resources/read");
            if (NameIn(context.Params?.Uri) is { } name && !access.MayAccess(name))
            {
                throw Forbidden(access.NameRefusal(name));
            }

            return await next(context, cancellationToken);
        };

    private static McpRequestHandler<ListPromptsRequestParams, ListPromptsResult> ListPrompts(McpRequestHandler<ListPromptsRequestParams, ListPromptsResult> next) =>
        async (context, cancellationToken) => AccessOf(context.User).Allows(ScopeSet.Read)
            ? await next(context, cancellationToken)
            : new ListPromptsResult { Prompts = [] };

    private static McpRequestHandler<GetPromptRequestParams, GetPromptResult> GetPrompt(McpRequestHandler<GetPromptRequestParams, GetPromptResult> next) =>
        async (context, cancellationToken) =>
        {
            RequireRead(context.User, "prompts/get");
            return await next(context, cancellationToken);
        };

    private static McpRequestHandler<CompleteRequestParams, CompleteResult> Complete(McpRequestHandler<CompleteRequestParams, CompleteResult> next) =>
        async (context, cancellationToken) =>
        {
            var access = RequireRead(context.User, "completion/complete");
            var arguments = context.Params?.Context?.Arguments;
            foreach (var argument in NameArguments)
            {
                if (arguments?.TryGetValue(argument, out var named) is true && !access.MayAccess(named))
                {
                    throw Forbidden(access.NameRefusal(named));
                }
            }

            var result = await next(context, cancellationToken);
            if (!access.Names.IsEmpty && context.Params?.Argument.Name is "name" or "dataset" or "model")
            {
                var values = result.Completion.Values.Where(access.MayAccess).ToList();
                result.Completion = new Completion { Values = values, Total = values.Count, HasMore = false };
            }

            return result;
        };

    private static CallerAccess AccessOf(System.Security.Claims.ClaimsPrincipal? user) =>
        (user as CallerPrincipal)?.Access
        ?? throw new McpProtocolException("The request is not authenticated.", McpErrorCode.InvalidRequest);

    private static CallerAccess RequireRead(System.Security.Claims.ClaimsPrincipal? user, string method)
    {
        var access = AccessOf(user);
        return access.Allows(ScopeSet.Read) ? access : throw Forbidden(access.ScopeRefusal(method, ScopeSet.Read));
    }

    private static McpProtocolException Forbidden(string message) => new($"Forbidden: {message}", McpErrorCode.InvalidRequest);

    /// <summary>The dataset or model name in <c>dataset://{name}</c>, <c>model://{name}</c> or <c>model://{name}/versions/{v}</c>.</summary>
    private static string? NameIn(string? uri)
    {
        foreach (var scheme in (ReadOnlySpan<string>)["dataset://", "model://"])
        {
            if (uri is not null && uri.StartsWith(scheme, StringComparison.Ordinal))
            {
                var rest = uri.AsSpan(scheme.Length);
                var slash = rest.IndexOf('/');
                return (slash < 0 ? rest : rest[..slash]).ToString();
            }
        }

        return null;
    }
}
