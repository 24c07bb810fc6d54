using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OrleansMl.Diagnostics;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using Scalar.AspNetCore;

namespace OrleansMl.Gateway.Extensions;

/// <summary>Wiring of the HTTP front door: JSON, errors, limits, OpenAPI, metrics and health.</summary>
public static class GatewayExtensions
{
    /// <summary>Where the gateway listens when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public const string DefaultUrl = "http://localhost:8080";

    /// <summary>Host names accepted when <c>AllowedHosts</c> is not configured: this machine only.</summary>
    public const string DefaultAllowedHosts = "localhost;127.0.0.1;[::1]";

    /// <summary>
    /// Adds the gateway's own configuration sources. Call it first: the silo or client composition and every option
    /// read below it must see them.
    /// </summary>
    public static WebApplicationBuilder AddGatewayConfiguration(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Settings must hold wherever the process starts (dotnet path/to/OrleansMl.Gateway.dll from another folder): the
        // appsettings.json beside the binary, and below it the local-only AllowedHosts that host filtering (the first line
        // against DNS rebinding) falls back to. Both rank below the content root's files, the environment and arguments.
        //
        // Run from build output (dotnet run, the tests), MapStaticAssets adds a GET and HEAD fallback on {**path:file} for
        // files added to wwwroot after the build. The router counts that catch-all as a candidate for every path before its
        // file check, so any other method on a path whose routes do not take it was a 405 listing GET and HEAD (DELETE on
        // an alias: "Allow: GET, HEAD, PUT", though no GET is served there), and on a path no route serves a 405 rather
        // than a 404. The console's assets are all in the build manifest; a published gateway has no such fallback.
        var sources = ((IConfigurationBuilder)builder.Configuration).Sources;
        sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["AllowedHosts"] = DefaultAllowedHosts,
                ["DisableStaticAssetNotFoundRuntimeFallback"] = "true",
            },
        });
        var besideBinary = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (!string.Equals(Path.GetFullPath(builder.Environment.ContentRootPath), Path.GetFullPath(AppContext.BaseDirectory).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal)
            && File.Exists(besideBinary))
        {
            var json = new JsonConfigurationSource { Path = besideBinary, Optional = true };
            json.ResolveFileProvider();
            sources.Insert(1, json);
        }

        return builder;
    }

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_HTTP_PORTS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        // The server's ceiling: uploads up to the configured limit, plus room for the multipart framing. Each route lowers
        // it to its own limit (BodyLimits).
        builder.AddOrleansMlOptions();
        // No Server header: what software answers is no caller's business.
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<OrleansMlOptions>>((k, ml) =>
        {
            k.Limits.MaxRequestBodySize = ml.Value.MaxUploadBytes + (1 << 20);
            k.AddServerHeader = false;
        });
        // Kestrel's default precedes every receive with a zero-byte read that waits for data, so a connection holds no
        // buffer while it waits. A body arrives 4 KB per receive, though, so an 800 KB predict body took about 415 receive
        // calls and 800 futex calls; receiving straight into a buffer takes about 205 and 110, and 1,000-row requests
        // 7-17% less CPU. An idle connection then holds 17 KB instead of 13 (docs/performance.md).
        builder.Services.Configure<SocketTransportOptions>(o => o.WaitForDataBeforeAllocatingBuffer = false);
        builder.Services.AddOptions<FormOptions>().Configure<IOptions<OrleansMlOptions>>(
            (f, ml) => f.MultipartBodyLengthLimit = ml.Value.MaxUploadBytes + (1 << 20));
        builder.Services.AddSingleton<FailoverPolicy>();
        builder.Services.AddSingleton<Predictors>();
        builder.Services.AddAllowedHostsCheck();

        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            ConfigureJson(o.SerializerOptions);

            // A request body that names a field twice is refused (400 naming it) rather than read as its last value.
            o.SerializerOptions.AllowDuplicateProperties = false;

            // A number sent as a JSON string ("seed": "42") is a field not of its type, as MCP arguments are: the web
            // defaults would read it. The named literals stay: non-finite metrics are written as "NaN", and a "NaN" read
            // into a request is refused by the range check of the field it was sent for.
            o.SerializerOptions.NumberHandling &= ~JsonNumberHandling.AllowReadingFromString;
        });

        // A body, query value or route value the framework cannot bind (malformed JSON, a field of the wrong type, a limit
        // that is not a number) reaches DomainExceptionHandler, which names the field and what it must be. The default
        // throws only in Development; elsewhere the route would answer a bare 400 without saying what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // The protocol's writer first: the service asks its writers in the order they were added, and the first that can
        // write does, so /v2 answers {"error": "..."} and every other path a ProblemDetails.
        builder.Services.AddSingleton<IProblemDetailsWriter, ProtocolErrorWriter>();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = DescribeFrameworkStatus);
        builder.Services.AddExceptionHandler<DomainExceptionHandler>();
        builder.Services.AddOpenApi(o => o.AddRequestExamples().AddClosedBodies().AddCommonResponses().AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "OrleansMl";
            document.Info.Description =
                "Upload tabular datasets, train versioned ML.NET models, serve predictions, promote versions to aliases and roll back. "
                + "Every error is a ProblemDetails (application/problem+json) whose detail names the problem; the Open Inference "
                + "Protocol's routes under /v2 answer {\"error\": \"...\"} with the same words. The same operations are "
                + "MCP tools at /mcp (streamable HTTP) for AI assistants.";
            return Task.CompletedTask;
        }));
        builder.Services.AddHealthChecks()
            .AddCheck<SiloReadyCheck>("silo", tags: ["ready"]);
        builder.AddOrleansMlMetrics();
        return builder;
    }

    public static WebApplication UseGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Every answer is what its Content-Type says: a browser must not guess a JSON error or a CSV into a script. Set as
        // the headers leave, since an error's answer starts again from empty headers.
        app.Use((context, next) =>
        {
            context.Response.OnStarting(
                static response =>
                {
                    ((HttpResponse)response).Headers.XContentTypeOptions = "nosniff";
                    return Task.CompletedTask;
                },
                context.Response);
            return next(context);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAllowedHostsCheck();

        // A compressed body would reach the JSON and CSV readers as bytes they cannot read ("'0x1F' is an invalid start
        // of a value"); it is refused by what it is instead.
        app.Use((context, next) =>
        {
            var encoding = context.Request.Headers.ContentEncoding;
            return encoding.Count == 0 || (encoding.Count == 1 && string.Equals(encoding[0], "identity", StringComparison.OrdinalIgnoreCase))
                ? next(context)
                : TypedResults.Problem(
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "Unsupported content encoding",
                    detail: $"Content-Encoding '{NameList.Cut(encoding.ToString())}' is not taken: send the body uncompressed.").ExecuteAsync(context);
        });
        app.UseBodyLimits();
        app.Use((context, next) => BindingProblems.RepeatedQueryParameter(context) is { } repeated
            ? Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request", repeated)
            : next(context));
        return app;
    }

    /// <summary>
    /// A status the framework answers by itself, with nothing to say, gets a detail that names the problem as every other
    /// error does: no route for the path (404), or a method its route does not take (405).
    /// </summary>
    private static void DescribeFrameworkStatus(ProblemDetailsContext context)
    {
        if (context.ProblemDetails.Detail is not null)
        {
            return;
        }

        var request = context.HttpContext.Request;
        var path = NameList.Cut(request.Path.Value ?? "/");
        context.ProblemDetails.Detail = context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound => $"Nothing is served at {request.Method} {path}; /openapi/v1.json lists the routes, and /docs shows them.",
            StatusCodes.Status405MethodNotAllowed => $"{path} does not take {request.Method}; it takes {context.HttpContext.Response.Headers.Allow}.",
            _ => null,
        };
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Open to every caller: probes, the API description and the docs page hold no data.
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false }).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous().DisableRateLimiting();
        app.MapOrleansMlMetrics().WithMetricsAccess();
        app.MapOpenApi().AllowAnonymous();
        // Everything the docs page needs comes from the gateway (clusters are often air-gapped): no fonts from Scalar's CDN,
        // and none of the parts that call Scalar's cloud (the AI agent, MCP generation, telemetry, the developer toolbar).
        app.MapScalarApiReference("/docs", o => o
                .WithTitle("OrleansMl API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .DisableDefaultFonts()
                .DisableAgent()
                .DisableMcp()
                .DisableTelemetry()
                .HideDeveloperTools())
            .AllowAnonymous();
        return app;
    }

    /// <summary>camelCase, enums as lower-case words (<c>queued</c>, <c>lightgbm</c>; their numbers are refused), nulls omitted.</summary>
    public static void ConfigureJson(JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;

        // A metric or score that is not a finite number is written as "NaN" or "Infinity" rather than failing the response.
        json.NumberHandling |= JsonNumberHandling.AllowNamedFloatingPointLiterals;
        json.Converters.Add(new JsonStringEnumConverter(new LowerCaseNamingPolicy(), allowIntegerValues: false));
        json.Converters.Add(new FeatureValueJsonConverter());
    }

    private sealed class LowerCaseNamingPolicy : JsonNamingPolicy
    {
        public override string ConvertName(string name) => EnumWords.Word(name);
    }
}
