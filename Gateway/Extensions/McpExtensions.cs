using System.Reflection;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Mcp;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Extensions;

/// <summary>Wiring of the MCP server: stateless streamable HTTP, the tools, resources, prompt and completions.</summary>
public static class McpExtensions
{
    // Read once: a stateless server builds its options for every request, and an attribute lookup is reflection.
    private static readonly string ServerVersion =
        typeof(McpExtensions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1.0.0";

    public static WebApplicationBuilder AddMcpGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<McpGatewayOptions>()
            .Bind(builder.Configuration.GetSection(McpGatewayOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);

        builder.Services.AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation
                {
                    Name = "orleansml",
                    Title = "OrleansMl",
                    Version = ServerVersion,
                };
                o.ServerInstructions =
                    "OrleansMl manages tabular ML models. Typical flow: list_datasets or create_dataset (CSV text) → describe_dataset "
                    + "(columns, kinds, samples) → train_model (returns at once; wait: true blocks with progress) → get_training_status → "
                    + "compare_versions → promote_model (alias 'production') → predict → rollback_model if the new version is worse. "
                    + "Resources dataset://{name}, model://{name} and model://{name}/versions/{version} hold the same data as JSON; "
                    + "the prompt train_and_deploy walks through the whole flow.";
            })
            // Stateless: every request stands alone, so any gateway replica can answer it without session affinity.
            .WithHttpTransport(o => o.Stateless = true)
            .WithTools<DatasetTools>(McpJson.Options)
            .WithTools<TrainingTools>(McpJson.Options)
            .WithTools<ModelTools>(McpJson.Options)
            .WithTools<FeatureTools>(McpJson.Options)
            .WithTools<RolloutTools>(McpJson.Options)
            .WithTools<ScheduleTools>(McpJson.Options)
            .WithTools<AuditTools>(McpJson.Options)
            .WithResources<CatalogResources>()
            .WithListResourcesHandler(CatalogResources.ListAsync)
            .WithPrompts<DeployPrompts>(McpJson.Options)
            .WithCompleteHandler(NameCompletions.CompleteAsync)
            .WithMessageFilters(f => f.AddIncomingFilter(RequestParamsFilter.Wrap))
            .WithRequestFilters(f => f.AddCallToolFilter(ToolCallFilter.Wrap).AddGetPromptFilter(PromptArgumentFilter.Wrap));
        // predict, the hot tool: declared by PredictionTools, served by PredictTool straight from the request's JSON.
        builder.Services.AddSingleton(PredictTool.Create);
        builder.Services.AddSingleton<DirectPredictCalls>();

        builder.Services.AddSingleton<IOptionsFactory<McpServerOptions>, SharedMcpServerOptions>();

        // Outermost, after every other filter is registered (access control inserts its own in front of the others):
        // tool errors become results outside the metrics, which count them by kind.
        builder.Services.PostConfigure<McpServerOptions>(o =>
        {
            o.Filters.Request.CallToolFilters.Insert(0, ToolMetricsFilter.Wrap);
            o.Filters.Request.CallToolFilters.Insert(0, ToolErrorResults.Wrap);
        });
        builder.Services.PostConfigure<McpServerOptions>(o => ToolCallFilter.DeclareIntegerRanges(o.ToolCollection, typeof(McpExtensions).Assembly));

        // A caller's invalid arguments are answered, not logged as the server's errors.
        CallerErrorLogging.Register(builder.Services);
        return builder;
    }

    /// <summary>
    /// Maps the MCP endpoint at <paramref name="pattern"/>: JSON-RPC over POST, guarded by <see cref="WithMcpProtection"/>
    /// and open to callers only. A stateless server offers no stream of its own, so a GET (a client asking for one) is
    /// answered 405 with the methods that are allowed, as the streamable HTTP transport asks.
    /// </summary>
    public static void MapMcpGateway(this WebApplication app, string pattern)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMcp(pattern).WithMcpProtection().RequireCaller();
        app.MapGet(pattern, static context =>
            {
                context.Response.Headers.Allow = "POST";
                return RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed",
                    "This MCP server is stateless and offers no server-sent event stream on GET; send each JSON-RPC request with POST.");
            })
            .ExcludeFromDescription()
            .RequireCaller();
    }

    /// <summary>
    /// Guards the MCP endpoint: a request body limit sized for <c>create_dataset</c>, and DNS-rebinding protection
    /// that refuses a browser <c>Origin</c> whose host is not in <c>AllowedHosts</c> (the Host header itself is
    /// checked by the host-filtering middleware against the same list). A POST's body is read once by
    /// <see cref="JsonRpcEnvelope"/>, which refuses a message naming a member twice; a plain <c>predict</c> call is
    /// answered by <see cref="DirectPredictCalls"/>; any other POST's response is held for at most
    /// <see cref="CoalescedResponseStream.Window"/>, so an answer ready at once is sent in one write with its length.
    /// </summary>
    public static IEndpointConventionBuilder WithMcpProtection(this IEndpointConventionBuilder endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.WithOwnBodyLimit();
        endpoint.Add(b =>
        {
            var inner = b.RequestDelegate ?? throw new InvalidOperationException("The MCP endpoint has no request delegate.");
            RequestDelegate coalesced = context => CoalescedResponseStream.RunAsync(context, inner);
            Func<HttpContext, ReadOnlyMemory<byte>, Task> post = (context, body) =>
                context.RequestServices.GetRequiredService<DirectPredictCalls>().RunAsync(context, body, coalesced);
            b.RequestDelegate = async context =>
            {
                var limit = context.RequestServices.GetRequiredService<IOptions<McpGatewayOptions>>().Value.MaxRequestBytes;
                if (context.Request.ContentLength > limit)
                {
                    await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "Payload too large",
                        $"The request body is {context.Request.ContentLength} bytes; /mcp accepts at most {limit} (Mcp__MaxCsvKilobytes sets the CSV share).");
                    return;
                }

                // A body without Content-Length (chunked) is cut off by the server at the same limit.
                if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
                {
                    size.MaxRequestBodySize = limit;
                }

                if (!OriginAllowed(context))
                {
                    await RefuseAsync(context, StatusCodes.Status403Forbidden, "Origin not allowed",
                        $"Requests from origin '{context.Request.Headers.Origin}' are refused: its host is not in AllowedHosts.");
                    return;
                }

                if (!HttpMethods.IsPost(context.Request.Method))
                {
                    await inner(context);
                    return;
                }

                // The body is read once and a message naming a member twice refused; a plain predict call is answered
                // without the SDK's per-request server; any other call's answer, usually ready within microseconds, leaves
                // in one write rather than three.
                await JsonRpcEnvelope.RunAsync(context, post);
            };
        });
        return endpoint;
    }

    private static Task RefuseAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new ProblemDetails { Status = status, Title = title, Detail = detail }, options: null, contentType: "application/problem+json");
    }

    internal static bool OriginAllowed(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
        {
            return true; // Not a browser: nothing to rebind.
        }

        var allowed = context.RequestServices.GetRequiredService<IOptions<HostFilteringOptions>>().Value.AllowedHosts;
        if (allowed.Count == 0 || allowed.Contains("*"))
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
        {
            return false;
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost.Trim('[', ']')}]" : uri.IdnHost;
        return allowed.Any(a => string.Equals(a, host, StringComparison.OrdinalIgnoreCase)
            || (a.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(a[1..], StringComparison.OrdinalIgnoreCase)));
    }
}
