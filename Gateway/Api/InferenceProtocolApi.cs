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
/// The Open Inference Protocol (KServe v2, as Triton and MLServer speak it) over the same grain calls as the REST API:
/// health, model metadata and readiness, and inference with one input tensor per column. Errors are the protocol's
/// <c>{"error": "..."}</c>. A version in the path is one of ours; without one, predictions use the same default routing
/// as <c>POST /api/models/{name}/predict</c> (the production alias, else the newest succeeded version).
/// </summary>
public static class InferenceProtocolApi
{
    /// <summary>The <c>platform</c> every model reports in its metadata.</summary>
    public const string Platform = "mlnet";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapInferenceProtocolApi(this IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup("/v2").WithTags("Open Inference Protocol");
        // Open like /health/*: they say only whether the gateway and the cluster answer.
        v2.MapGet("/health/live", () => TypedResults.Ok(new ServerLive(true)))
            .WithSummary("Server liveness (Open Inference Protocol)")
            .AllowAnonymous()
            .DisableRateLimiting();
        v2.MapGet("/health/ready", ReadyAsync)
            .WithSummary("Server readiness: the cluster answers (Open Inference Protocol)")
            .AllowAnonymous()
            .DisableRateLimiting();
        v2.MapGet("/models/{name}", MetadataAsync)
            .WithSummary("Model metadata: inputs and outputs of the version predictions use by default")
            .RequireScope(Scopes.Read);
        v2.MapGet("/models/{name}/versions/{version}", MetadataAsync)
            .WithSummary("Model metadata of one version")
            .RequireScope(Scopes.Read);
        v2.MapGet("/models/{name}/ready", ModelReadyAsync)
            .WithSummary("Whether the model has a version that serves predictions")
            .RequireScope(Scopes.Read);
        v2.MapGet("/models/{name}/versions/{version}/ready", ModelReadyAsync)
            .WithSummary("Whether a version serves predictions")
            .RequireScope(Scopes.Read);
        v2.MapPost("/models/{name}/infer", InferAsync)
            .WithSummary("Inference with one input tensor per column (Open Inference Protocol)")
            .RequireScope(Scopes.Predict)
            .AddEndpointFilter<FailoverFilter>();
        v2.MapPost("/models/{name}/versions/{version}/infer", InferAsync)
            .WithSummary("Inference with one version")
            .RequireScope(Scopes.Predict)
            .AddEndpointFilter<FailoverFilter>();
        return app;
    }

    internal static async Task<IResult> ReadyAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains("ready"), cancellationToken);
        return report.Status == HealthStatus.Healthy
            ? TypedResults.Ok(new ServerReady(true))
            : TypedResults.Json(new ServerReady(false), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    internal static async Task<IResult> MetadataAsync(string name, string? version, IGrainFactory grains)
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
            return Error(error);
        }
    }

    internal static async Task<IResult> ModelReadyAsync(string name, string? version, IGrainFactory grains)
    {
        try
        {
            Names.Validate(name, "model");
            await grains.GetGrain<IModelGrain>(name).ResolveAsync(ParseVersion(version));
            return TypedResults.Ok(new ModelReady(name, true));
        }
        catch (OrleansMlException error)
        {
            return Error(error);
        }
    }

    internal static async Task<IResult> InferAsync(
        string name, string? version, InferBody body, IGrainFactory grains, IOptions<OrleansMlOptions> options, CancellationToken cancellationToken)
    {
        try
        {
            Names.Validate(name, "model");
            var number = ParseVersion(version);
            var request = body.Request ?? throw new InvalidPredictionInputException(body.Error ?? "The request body is empty: send {\"inputs\": [...]}.");
            var rows = ToRows(request, options.Value.MaxPredictionRows);
            var result = await grains.GetGrain<IPredictorGrain>(name).PredictAsync(new PredictionRequest(rows, number), cancellationToken);
            var outputs = ToOutputs(result.Predictions);
            if (request.Outputs is { Count: > 0 } wanted)
            {
                var unknown = wanted.Select(o => o.Name).Where(n => outputs.All(o => o.Name != n)).ToList();
                if (unknown.Count > 0)
                {
                    throw new InvalidPredictionInputException(
                        $"Unknown output{(unknown.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unknown.Select(n => $"'{n}'"))}; this model's outputs are {string.Join(", ", outputs.Select(o => o.Name))}.");
                }

                outputs = [.. outputs.Where(o => wanted.Any(w => w.Name == o.Name))];
            }

            return TypedResults.Ok(new InferResponse(name, result.Version.ToString(CultureInfo.InvariantCulture), request.Id, outputs));
        }
        catch (OrleansMlException error)
        {
            return Error(error);
        }
    }

    /// <summary>Columns (one tensor each, all of the same length) as the rows the grain contract takes.</summary>
    internal static ImmutableArray<ImmutableDictionary<string, FeatureValue>> ToRows(InferRequest request, int maxRows = int.MaxValue)
    {
        if (request.Inputs is not { Count: > 0 } inputs)
        {
            throw new InvalidPredictionInputException("inputs is required: send one tensor per column, e.g. {\"name\": \"age\", \"shape\": [2], \"datatype\": \"FP32\", \"data\": [31, 45]}.");
        }

        var names = new string[inputs.Count];
        var columns = new FeatureValue[inputs.Count][];
        for (var c = 0; c < inputs.Count; c++)
        {
            var input = inputs[c];
            names[c] = string.IsNullOrEmpty(input.Name)
                ? throw new InvalidPredictionInputException($"inputs[{c}] has no name: name each tensor after the column it holds.")
                : input.Name;
            if (names.Take(c).Contains(input.Name, StringComparer.Ordinal))
            {
                throw new InvalidPredictionInputException($"Input '{input.Name}' is sent twice: send one tensor per column.");
            }

            columns[c] = Column(input);
            if (columns[c].Length != columns[0].Length)
            {
                throw new InvalidPredictionInputException(
                    $"Input '{input.Name}' holds {columns[c].Length} values but '{names[0]}' holds {columns[0].Length}: every column tensor needs one value per row.");
            }
        }

        var count = columns[0].Length;
        if (count == 0)
        {
            throw new InvalidPredictionInputException("The input tensors hold no rows: send at least one value per column.");
        }

        RequestMapping.CheckRowCount(count, maxRows);

        // The grain contract takes a dictionary per row; one builder fills them all.
        var rows = ImmutableArray.CreateBuilder<ImmutableDictionary<string, FeatureValue>>(count);
        var row = ImmutableDictionary.CreateBuilder<string, FeatureValue>(StringComparer.Ordinal);
        for (var r = 0; r < count; r++)
        {
            row.Clear();
            for (var c = 0; c < names.Length; c++)
            {
                row[names[c]] = columns[c][r];
            }

            rows.Add(row.ToImmutable());
        }

        return rows.MoveToImmutable();
    }

    /// <summary>One tensor's values: shape [n] or [n, 1], data flat or nested, of the declared datatype.</summary>
    private static FeatureValue[] Column(InferInput input)
    {
        var name = input.Name;
        var datatype = input.Datatype?.ToUpperInvariant();
        var kind = datatype switch
        {
            "BOOL" => FeatureValueKind.Boolean,
            "BYTES" => FeatureValueKind.String,
            "FP16" or "FP32" or "FP64" or "INT8" or "INT16" or "INT32" or "INT64" or "UINT8" or "UINT16" or "UINT32" or "UINT64" => FeatureValueKind.Number,
            null or "" => throw new InvalidPredictionInputException($"Input '{name}' has no datatype: use FP32, FP64, INT64, BOOL or BYTES."),
            _ => throw new InvalidPredictionInputException($"Input '{name}' has datatype '{input.Datatype}', which is not one of FP16, FP32, FP64, INT8-64, UINT8-64, BOOL, BYTES."),
        };
        if (input.Shape is not { Length: 1 or 2 } shape || shape.Any(d => d < 0) || (shape.Length == 2 && shape[1] != 1))
        {
            throw new InvalidPredictionInputException(
                $"Input '{name}' has shape [{string.Join(", ", input.Shape ?? [])}]: a column tensor has shape [rows] or [rows, 1].");
        }

        var values = new List<FeatureValue>((int)Math.Min(shape[0], 1 << 16));
        if (input.Data.ValueKind is not JsonValueKind.Array)
        {
            throw new InvalidPredictionInputException($"Input '{name}' has no data array.");
        }

        Flatten(input.Data, values, name!, kind, datatype!);
        if (values.Count != shape[0])
        {
            throw new InvalidPredictionInputException($"Input '{name}' declares shape [{string.Join(", ", shape)}] but holds {values.Count} values.");
        }

        return [.. values];
    }

    private static void Flatten(JsonElement data, List<FeatureValue> values, string name, FeatureValueKind kind, string datatype)
    {
        foreach (var element in data.EnumerateArray())
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                Flatten(element, values, name, kind, datatype);
                continue;
            }

            values.Add((kind, element.ValueKind) switch
            {
                (_, JsonValueKind.Null) => FeatureValue.Missing,
                (FeatureValueKind.Number, JsonValueKind.Number) => FeatureValue.FromNumber(RequestMapping.FloatRange(element.GetDouble(), name, $"Input '{name}' index {values.Count}")),
                (FeatureValueKind.Boolean, JsonValueKind.True) => FeatureValue.FromBoolean(true),
                (FeatureValueKind.Boolean, JsonValueKind.False) => FeatureValue.FromBoolean(false),
                (FeatureValueKind.String, JsonValueKind.String) => FeatureValue.FromString(element.GetString()),
                _ => throw new InvalidPredictionInputException(
                    $"Input '{name}' ({datatype}) holds a JSON {element.ValueKind.ToString().ToLowerInvariant()} at index {values.Count}; "
                    + $"{datatype} data are {(kind == FeatureValueKind.Number ? "numbers" : kind == FeatureValueKind.Boolean ? "true or false" : "strings")}."),
            });
        }
    }

    /// <summary>The output tensors: label, probabilities [rows, classes] and score for classifiers, value for regression.</summary>
    internal static List<OutputTensor> ToOutputs(ImmutableArray<Prediction> predictions)
    {
        var count = predictions.Length;
        var first = predictions[0];
        if (first.Value is not null)
        {
            return [new OutputTensor("value", "FP64", [count], predictions.Select(p => p.Value ?? double.NaN).ToArray())];
        }

        // Class probabilities in ordinal order of the class names, which the tensor's "classes" parameter lists.
        var classes = first.Probabilities!.Keys.Order(StringComparer.Ordinal).ToArray();
        var probabilities = new double[count * classes.Length];
        for (var r = 0; r < count; r++)
        {
            var row = predictions[r].Probabilities!;
            for (var k = 0; k < classes.Length; k++)
            {
                probabilities[(r * classes.Length) + k] = row.GetValueOrDefault(classes[k]);
            }
        }

        var labelKind = first.Label?.Kind ?? FeatureValueKind.String;
        OutputTensor label = labelKind switch
        {
            FeatureValueKind.Number => new("label", "FP64", [count], predictions.Select(p => p.Label?.Number ?? double.NaN).ToArray()),
            FeatureValueKind.Boolean => new("label", "BOOL", [count], predictions.Select(p => p.Label?.Number is 1).ToArray()),
            _ => new("label", "BYTES", [count], predictions.Select(p => p.Label?.Text ?? string.Empty).ToArray()),
        };
        return
        [
            label,
            new OutputTensor("probabilities", "FP64", [count, classes.Length], probabilities)
            {
                Parameters = new Dictionary<string, object> { ["classes"] = JsonSerializer.Serialize(classes, Json) },
            },
            new OutputTensor("score", "FP64", [count], predictions.Select(p => p.Score ?? double.NaN).ToArray()),
        ];
    }

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

    private static int? ParseVersion(string? version) => version switch
    {
        null => null,
        _ when int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 => number,
        _ => throw new InvalidNameException($"Version '{version}' is not a version number: versions are whole numbers from 1."),
    };

    private static JsonHttpResult<ErrorResponse> Error(OrleansMlException error) =>
        TypedResults.Json(new ErrorResponse(error.Message), statusCode: DomainErrors.Describe(error).Status);
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

/// <summary>An inference request: one tensor per column, optionally the outputs wanted.</summary>
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

/// <summary>An inference response.</summary>
public sealed record InferResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("outputs")] List<OutputTensor> Outputs);

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
/// The infer body, read by the endpoint itself so that malformed JSON gets the protocol's error shape rather than the
/// REST API's problem details.
/// </summary>
public sealed class InferBody
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public InferRequest? Request { get; private init; }

    public string? Error { get; private init; }

    public static async ValueTask<InferBody> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var request = await JsonSerializer.DeserializeAsync<InferRequest>(context.Request.Body, Options, context.RequestAborted);
            return new InferBody { Request = request };
        }
        catch (JsonException error)
        {
            return new InferBody { Error = $"Malformed JSON body: {error.Message}" };
        }
    }
}
