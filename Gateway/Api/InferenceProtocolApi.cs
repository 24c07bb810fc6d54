using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// The Open Inference Protocol (KServe v2, as Triton and MLServer speak it) scored as the REST API scores:
/// health, model metadata and readiness, and inference with one input tensor per column. Errors are the protocol's
/// <c>{"error": "..."}</c>. A version in the path is one of ours; without one, predictions use the same default routing
/// as <c>POST /api/models/{name}/predict</c> (the production alias, else the newest succeeded version).
/// </summary>
public static class InferenceProtocolApi
{
    /// <summary>The <c>platform</c> every model reports in its metadata.</summary>
    public const string Platform = "mlnet";

    /// <summary>Where the protocol's routes are served.</summary>
    public const string Prefix = "/v2";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapInferenceProtocolApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup(Prefix).WithTags("Open Inference Protocol");
        // Open like /health/*: they say only whether the gateway and the cluster answer.
        v2.MapGet("/health/live", () => TypedResults.Ok(new ServerLive(true)))
            .WithSummary("Server liveness (Open Inference Protocol)")
            .AllowAnonymous()
            .DisableRateLimiting();
        v2.MapGet("/health/ready", ReadyAsync)
            .WithSummary("Server readiness: the cluster answers (Open Inference Protocol)")
            .Produces<ServerReady>()
            .Produces<ServerReady>(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous()
            .DisableRateLimiting();
        v2.MapGet("/models/{name}", MetadataAsync)
            .WithSummary("Model metadata: inputs and outputs of the version predictions use by default")
            .Produces<ModelMetadata>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Read);
        v2.MapGet("/models/{name}/versions/{version}", MetadataAsync)
            .WithSummary("Model metadata of one version")
            .Produces<ModelMetadata>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Read);
        v2.MapGet("/models/{name}/ready", ModelReadyAsync)
            .WithSummary("Whether the model has a version that serves predictions")
            .Produces<ModelReady>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Read);
        v2.MapGet("/models/{name}/versions/{version}/ready", ModelReadyAsync)
            .WithSummary("Whether a version serves predictions")
            .Produces<ModelReady>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Read);
        v2.MapPost("/models/{name}/infer", InferAsync)
            .WithSummary("Inference with one input tensor per column (Open Inference Protocol)")
            .WithDocumentedBody<InferRequest>("application/json")
            .RequireScope(Scopes.Predict)
            .Produces<InferResponse>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        v2.MapPost("/models/{name}/versions/{version}/infer", InferAsync)
            .WithSummary("Inference with one version")
            .WithDocumentedBody<InferRequest>("application/json")
            .RequireScope(Scopes.Predict)
            .Produces<InferResponse>()
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>The protocol's error answers of a route, <c>{"error": "..."}</c>, for the document.</summary>
    private static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<ErrorResponse>(status, "application/json");
        }

        return builder;
    }

    internal static async Task<IResult> ReadyAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains("ready"), cancellationToken);
        return report.Status == HealthStatus.Healthy
            ? TypedResults.Ok(new ServerReady(true))
            : TypedResults.Json(new ServerReady(false), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    internal static async Task<IResult> MetadataAsync(string name, string? version, IGrainFactory grains, HttpResponse response)
    {
        try
        {
            Names.Validate(name, "model");
            var model = grains.GetGrain<IModelGrain>(name);
            var signature = ParseVersion(version) is { } number
                ? (await model.GetVersionAsync(number)).Signature
                    ?? throw new VersionNotReadyException($"Version {number} of model '{name}' has not finished training, so it has no inputs yet.")
                : (await model.ResolveAsync()).Signature;
            var info = await model.GetAsync();
            var versions = info.Versions.Where(v => v.Status == TrainingStatus.Succeeded)
                .Select(v => v.Version.ToString(CultureInfo.InvariantCulture)).ToArray();
            return TypedResults.Ok(new ModelMetadata(name, versions, Platform, Inputs(signature), Outputs(signature)));
        }
        catch (OrleansMlException error)
        {
            return Error(response, error);
        }
    }

    internal static async Task<IResult> ModelReadyAsync(string name, string? version, IGrainFactory grains, HttpResponse response)
    {
        try
        {
            Names.Validate(name, "model");
            await grains.GetGrain<IModelGrain>(name).ResolveAsync(ParseVersion(version));
            return TypedResults.Ok(new ModelReady(name, true));
        }
        catch (OrleansMlException error)
        {
            return Error(response, error);
        }
    }

    internal static async Task<IResult> InferAsync(string name, string? version, HttpContext http, Predictors predictors, FailoverPolicy failover, IOptions<OrleansMlOptions> options)
    {
        // The protocol's body is JSON. Its HTTP clients (tritonclient among them) may send no Content-Type at all, so only a
        // different one is refused, as the REST routes refuse it (415).
        if (!string.IsNullOrEmpty(http.Request.ContentType) && !http.Request.HasJsonContentType())
        {
            return TypedResults.Json(
                new ErrorResponse($"The request body must be JSON (Content-Type: application/json); got '{http.Request.ContentType}'."),
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        try
        {
            Names.Validate(name, "model");
            var number = ParseVersion(version);
            InferenceJson.Request request;
            using (var body = await RequestBody.ReadAsync(http))
            {
                request = InferenceJson.Read(body.Span);
            }

            RequestMapping.CheckRowCount(request.Batch.Rows, options.Value.MaxPredictionRows);

            var result = await failover.RunAsync(
                static call => call.Predictor.PredictBatchAsync(call.Batch),
                (Predictor: predictors.Get(name), Batch: request.Batch with { Version = number }, Model: name),
                static call => $"POST /v2/models/{call.Model}/infer",
                http.RequestAborted);
            var outputs = InferenceJson.OutputNames(result);
            if (request.Outputs is { Count: > 0 } wanted)
            {
                var unknown = wanted.Where(n => !outputs.Contains(n)).ToList();
                if (unknown.Count > 0)
                {
                    throw new InvalidPredictionInputException(
                        $"Unknown output{(unknown.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unknown.Select(n => $"'{n}'"))}; this model's outputs are {string.Join(", ", outputs)}.");
                }

                outputs = wanted;
            }

            return new InferResult(result, request.Id, outputs);
        }
        catch (OrleansMlException error)
        {
            return Error(http.Response, error);
        }
        catch (JsonException error)
        {
            return TypedResults.Json(new ErrorResponse($"Malformed JSON body: {error.Message}"), statusCode: StatusCodes.Status400BadRequest);
        }
        catch (BadHttpRequestException error)
        {
            // A body past the route's limit without a declared length (chunked), or one the client cut off.
            return TypedResults.Json(
                new ErrorResponse(error.StatusCode == StatusCodes.Status413PayloadTooLarge ? $"The request body is too large. {BodyLimits.Describe(http)}" : error.Message),
                statusCode: error.StatusCode);
        }
    }

    /// <summary>
    /// Whether the request is answered in the protocol's error shape, <c>{"error": "..."}</c>, whatever refuses it: the
    /// handler, or the pipeline before or around it (credentials, scopes, rate limits, body limits, routing, a fault).
    /// By path rather than by route, so that a path under <c>/v2</c> no route serves, or a method none takes, is too.
    /// </summary>
    internal static bool AnswersWithErrorShape(HttpContext context) => context.Request.Path.StartsWithSegments(Prefix);

    private static MetadataTensor[] Inputs(ModelSignature signature) =>
    [
        .. signature.Inputs.Where(i => i.Kind != ColumnKind.Ignored).Select(i => new MetadataTensor(i.Name, i.Kind switch
        {
            ColumnKind.Numeric => "FP32",
            ColumnKind.Boolean => "BOOL",
            _ => "BYTES",
        }, [-1])),
    ];

    private static MetadataTensor[] Outputs(ModelSignature signature)
    {
        if (signature.Task == ModelTask.Regression)
        {
            return [new MetadataTensor("value", "FP64", [-1])];
        }

        var label = signature.LabelKind switch
        {
            ColumnKind.Numeric => "FP64",
            ColumnKind.Boolean => "BOOL",
            _ => "BYTES",
        };
        var classes = signature.Classes.Order(StringComparer.Ordinal).ToArray();
        return
        [
            new MetadataTensor("label", label, [-1]),
            new MetadataTensor("probabilities", "FP64", [-1, classes.Length])
            {
                Parameters = new Dictionary<string, object> { ["classes"] = JsonSerializer.Serialize(classes, Json) },
            },
            new MetadataTensor("score", "FP64", [-1]),
        ];
    }

    private static int? ParseVersion(string? version) => version is null ? null : VersionNumbers.Parse(version, "version");

    /// <summary>The protocol's answer to a domain error: its status and headers (<c>Retry-After</c>) as on <c>/api</c>, its words as <c>{"error": ...}</c>.</summary>
    private static JsonHttpResult<ErrorResponse> Error(HttpResponse response, OrleansMlException error)
    {
        var status = DomainErrors.Describe(error).Status;
        DomainErrors.SetRetryAfter(response, status, error);
        return TypedResults.Json(new ErrorResponse(error.Message), statusCode: status);
    }
}

/// <summary>An Open Inference Protocol error: <c>{"error": "..."}</c>.</summary>
public sealed record ErrorResponse([property: JsonPropertyName("error")] string Error);

/// <summary>Server liveness.</summary>
public sealed record ServerLive([property: JsonPropertyName("live")] bool Live);

/// <summary>Server readiness.</summary>
public sealed record ServerReady([property: JsonPropertyName("ready")] bool Ready);

/// <summary>Model readiness.</summary>
public sealed record ModelReady([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("ready")] bool Ready);

/// <summary>Model metadata: its servable versions, platform, and input and output tensors.</summary>
public sealed record ModelMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("versions")] string[] Versions,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("inputs")] MetadataTensor[] Inputs,
    [property: JsonPropertyName("outputs")] MetadataTensor[] Outputs);

/// <summary>A tensor's name, datatype and shape (-1: any length).</summary>
public sealed record MetadataTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] long[] Shape)
{
    [JsonPropertyName("parameters")]
    public Dictionary<string, object>? Parameters { get; init; }
}

/// <summary>An inference request: one tensor per column, optionally the outputs wanted (the documented shape of the body).</summary>
public sealed record InferRequest(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("inputs")] List<InferInput>? Inputs,
    [property: JsonPropertyName("outputs")] List<RequestedOutput>? Outputs);

/// <summary>An input tensor: the column's name, its shape ([rows] or [rows, 1]), datatype and data.</summary>
public sealed record InferInput(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("shape")] long[]? Shape,
    [property: JsonPropertyName("datatype")] string? Datatype,
    [property: JsonPropertyName("data")] JsonElement Data);

/// <summary>An output the client wants.</summary>
public sealed record RequestedOutput([property: JsonPropertyName("name")] string Name);

/// <summary>An inference response (the documented shape; written by <see cref="InferenceJson"/>).</summary>
public sealed record InferResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("outputs")] List<OutputTensor> Outputs)
{
    /// <summary>The version that answered (<c>version</c>) and one id per row for feedback (<c>predictionIds</c>).</summary>
    [JsonPropertyName("parameters")]
    public Dictionary<string, object>? Parameters { get; init; }
}

/// <summary>An output tensor.</summary>
public sealed record OutputTensor(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] long[] Shape,
    [property: JsonPropertyName("data")] object Data)
{
    [JsonPropertyName("parameters")]
    public Dictionary<string, object>? Parameters { get; init; }
}

/// <summary>
/// An infer answer written as JSON from the answer's arrays: a few rows with their length known before they are sent, a
/// batch straight into the response's buffers.
/// </summary>
public sealed class InferResult(BatchPrediction result, string? id, IReadOnlyList<string> outputs) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        if (result.Count > PredictionResponse.BufferedRows)
        {
            InferenceJson.Write(response.BodyWriter, result, id, outputs);
            await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
            return;
        }

        var output = new System.Buffers.ArrayBufferWriter<byte>(256 + (result.Count * 128));
        InferenceJson.Write(output, result, id, outputs);
        response.ContentLength = output.WrittenCount;
        await response.Body.WriteAsync(output.WrittenMemory, httpContext.RequestAborted);
    }
}
