using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Extensions;
using OrleansMl.Hosting;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// Access control of the gateway in one place: API keys and OIDC tokens (ASP.NET Core authentication), one scope policy
/// (endpoint metadata), MCP per-tool checks, the loopback default, the Origin check, rate limits, and the caller's name
/// handed to the grains.
/// </summary>
public static class SecurityExtensions
{
    /// <summary>Picks the API-key or the token handler per request when OIDC is configured.</summary>
    private const string SelectorScheme = "OrleansMl";

    public static WebApplicationBuilder AddGatewaySecurity(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var auth = Bind<AuthOptions>(builder, AuthOptions.SectionName);
        var limits = Bind<LimitsOptions>(builder, LimitsOptions.SectionName);

        var services = builder.Services;
        services.AddSingleton<KeyTable>();
        services.AddSingleton<KeyTableRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyTableRefresher>());
        services.AddHostedService<ListenAddressGuard>();
        services.AddHealthChecks().AddCheck<KeyTableReadyCheck>("keys", tags: ["ready"]);

        var authentication = services.AddAuthentication(o =>
            {
                // Without OIDC there is nothing to choose between: the key handler answers directly (the hot path).
                o.DefaultScheme = auth.JwtEnabled ? SelectorScheme : ApiKeyAuthenticationHandler.SchemeName;
                o.DefaultChallengeScheme = ApiKeyAuthenticationHandler.SchemeName;
                o.DefaultForbidScheme = ApiKeyAuthenticationHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddMcp(o => o.ResourceMetadata = new ProtectedResourceMetadata
            {
                ResourceName = "OrleansMl",
                AuthorizationServers = auth.JwtEnabled ? [auth.Jwt.Authority!] : [],
                ScopesSupported = [.. Scopes.All],
                BearerMethodsSupported = ["header"],
                Resource = Uri.TryCreate(auth.Jwt.Audience, UriKind.Absolute, out var resource) && resource.Scheme.StartsWith("http", StringComparison.Ordinal)
                    ? resource.ToString()
                    : null,
            });
        if (auth.JwtEnabled)
        {
            authentication
                .AddPolicyScheme(SelectorScheme, SelectorScheme, o => o.ForwardDefaultSelector = ApiKeyAuthenticationHandler.SelectScheme)
                .AddJwtBearer(o =>
                {
                    o.Authority = auth.Jwt.Authority;
                    o.Audience = auth.Jwt.Audience;
                    o.RequireHttpsMetadata = auth.Jwt.RequireHttpsMetadata;
                    o.MapInboundClaims = false;
                    o.Events = new JwtBearerEvents
                    {
                        OnTokenValidated = context =>
                        {
                            context.Principal = TokenAccess.From(context.Principal!, auth.Jwt).Principal;
                            return Task.CompletedTask;
                        },
                    };
                });
        }

        services.AddAuthorization(o =>
        {
            // The scope requirement also refuses callers that are not authenticated (they are challenged: 401).
            var policy = new AuthorizationPolicyBuilder().AddRequirements(ScopeRequirement.Instance).Build();
            o.AddPolicy(ScopeRequirement.PolicyName, policy);
            // A route without scope metadata still needs a caller, and then is refused: new routes fail closed.
            o.FallbackPolicy = policy;
        });
        services.AddSingleton<IAuthorizationHandler, ScopeAuthorizationHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.Policy.IPolicyEvaluator, ScopePolicyEvaluator>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();

        services.AddRateLimiter(o => RateLimits.Configure(o, limits));
        builder.AddConnectionLimit();
        services.AddSingleton<TrainingLimiter>();
        services.AddSingleton<Api.UploadSlots>();

        services.Configure<McpServerOptions>(McpAccessFilters.Install);
        services.Configure<Microsoft.AspNetCore.OpenApi.OpenApiOptions>("v1", OpenApiSecurity.Configure);
        services.Configure<ProblemDetailsOptions>(o =>
        {
            var previous = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                DescribeUnsupportedMediaType(context);
            };
        });
        return builder;
    }

    /// <summary>
    /// The security middleware, after routing and before the endpoints: the Origin check of state-changing requests,
    /// authentication, the caller's name for the grains, authorization, and the rate limits.
    /// </summary>
    public static WebApplication UseGatewaySecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(RefuseForeignOriginAsync);
        app.UseAuthentication();
        app.Use(SetCallerAsync);
        app.UseAuthorization();
        app.UseRateLimiter();
        app.Use(LimitTrainingAsync);
        return app;
    }

    /// <summary>The route (or every route of the group) needs <paramref name="scope"/>; a route's own scope wins over its group's.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope, bool training = false) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new RequiresScopeAttribute(scope) { Training = training });
        return builder.RequireAuthorization(ScopeRequirement.PolicyName);
    }

    /// <summary>Any authenticated caller; the MCP endpoint checks each tool, resource and prompt itself.</summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.WithMetadata(new RequiresScopeAttribute(null));
        return builder.RequireAuthorization(ScopeRequirement.PolicyName);
    }

    /// <summary><c>/metrics</c>: open, or with <c>OrleansMl__Auth__ProtectMetrics=true</c> the <c>read</c> scope.</summary>
    public static TBuilder WithMetricsAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(endpoint =>
        {
            var auth = endpoint.ApplicationServices.GetRequiredService<IOptions<AuthOptions>>().Value;
            if (auth.ProtectMetrics)
            {
                endpoint.Metadata.Add(new RequiresScopeAttribute(Scopes.Read));
                endpoint.Metadata.Add(new AuthorizeAttribute(ScopeRequirement.PolicyName));
            }
            else
            {
                endpoint.Metadata.Add(new AllowAnonymousAttribute());
            }
        });
        return builder;
    }

    /// <summary>
    /// Refuses a request body whose Content-Type is not one the route declares with <c>Accepts</c> (415): the dataset
    /// upload takes CSV or multipart only, so a web page cannot post a form to it.
    /// </summary>
    public static TBuilder AcceptsOnlyDeclaredContentTypes<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var declared = http.GetEndpoint()?.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()
                .SelectMany(a => a.ContentTypes).ToList() ?? [];
            var sent = http.Request.ContentType;
            var media = sent?.Split(';', 2)[0].Trim();
            // Routing already answers 415 to a Content-Type it does not match; a request without one gets here.
            if (declared.Count > 0 && !declared.Any(d => string.Equals(d, media, StringComparison.OrdinalIgnoreCase)))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "Unsupported media type",
                    detail: $"{http.Request.Method} {http.Request.Path} takes {Words(declared)}; the request's Content-Type is {(string.IsNullOrEmpty(sent) ? "missing" : $"'{sent}'")}.");
            }

            return await next(context);
        });
        return builder;
    }

    private static string Words(List<string> items) =>
        items.Count == 1 ? items[0] : $"{string.Join(", ", items.Take(items.Count - 1))} or {items[^1]}";

    /// <summary>
    /// Routing answers 415 with an empty body when a request's Content-Type matches none its route accepts; the
    /// ProblemDetails then says what the routes take.
    /// </summary>
    private static void DescribeUnsupportedMediaType(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
        {
            var request = context.HttpContext.Request;
            context.ProblemDetails.Detail = $"{request.Method} {request.Path} does not take Content-Type '{request.ContentType}'. "
                + "Dataset uploads take text/csv, application/csv or multipart/form-data (file field 'file'); the other routes take application/json.";
        }
    }

    /// <summary>The request body's <c>dataset</c> must be within the caller's name patterns too (the route checks <c>{name}</c>, the model).</summary>
    public static TBuilder WithDatasetAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.User is CallerPrincipal { Access: var access }
                && context.Arguments.OfType<Api.INamesDataset>().FirstOrDefault()?.Dataset is { } dataset && !access.MayAccess(dataset))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: access.NameRefusal(dataset));
            }

            return await next(context);
        });
        return builder;
    }

    private static Task RefuseForeignOriginAsync(HttpContext context, RequestDelegate next) =>
        HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)
            || McpExtensions.OriginAllowed(context)
            ? next(context)
            : Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Origin not allowed",
                $"Requests from origin '{context.Request.Headers.Origin}' are refused: its host is not in AllowedHosts.");

    /// <summary>
    /// On routes that change something (scopes train, deploy, admin), the caller's name travels with every grain call the
    /// request makes, so grains record who changed what. Reads and predictions change nothing and skip it: the name in the
    /// request context costs every grain call on the prediction path (about 1.3 KB allocated per request).
    /// </summary>
    private static Task SetCallerAsync(HttpContext context, RequestDelegate next)
    {
        if (context.User is not CallerPrincipal { Access: var access })
        {
            return next(context);
        }

        var name = access.Name is not null && Changes(context.GetEndpoint()?.Metadata.GetMetadata<RequiresScopeAttribute>()) ? access.Name : null;
        return name is null && access.Names.IsEmpty ? next(context) : WithCallerAsync(context, next, access, name);
    }

    /// <summary>An async method of its own, so the values set here flow into this request's calls and no further.</summary>
    private static async Task WithCallerAsync(HttpContext context, RequestDelegate next, CallerAccess access, string? name)
    {
        if (name is not null)
        {
            Caller.Set(name);
        }

        if (!access.Names.IsEmpty)
        {
            NameVisibility.Limit(access);
        }

        await next(context);
    }

    /// <summary>True for the scopes whose routes and tools change state.</summary>
    internal static bool Changes(RequiresScopeAttribute? required) =>
        required?.Set is ScopeSet.Train or ScopeSet.Deploy or ScopeSet.Admin;

    // Every other request (predictions among them) passes straight on, without an async state machine of its own.
    private static Task LimitTrainingAsync(HttpContext context, RequestDelegate next) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RequiresScopeAttribute>() is { Training: true }
            && context.RequestServices.GetRequiredService<TrainingLimiter>() is { PerMinute: > 0 } limiter
            ? TakeTrainingBudgetAsync(context, next, limiter)
            : next(context);

    private static async Task TakeTrainingBudgetAsync(HttpContext context, RequestDelegate next, TrainingLimiter limiter)
    {
        if (await limiter.TryTakeAsync(TrainingPartition(context)) is { } wait)
        {
            await RateLimits.RejectAsync(context, wait, limiter.Refusal(RateLimits.Describe(context)));
            return;
        }

        await next(context);
    }

    /// <summary>The training budget is per credential; callers without credentials share one.</summary>
    internal static string TrainingPartition(HttpContext context) => (context.User as CallerPrincipal)?.Access.LimitKey ?? "anonymous";

    private static T Bind<T>(WebApplicationBuilder builder, string section) where T : class, new()
    {
        builder.Services.AddOptions<T>().Bind(builder.Configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(section).Get<T>() ?? new T();
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true))
        {
            throw new OptionsValidationException(section, typeof(T), errors.Select(e => e.ErrorMessage ?? "invalid setting"));
        }

        return options;
    }
}
