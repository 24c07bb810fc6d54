using System.Buffers;
using System.Collections.Immutable;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Features;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

namespace OrleansMl.Gateway.Mcp;

/// <summary>The MCP prediction tool: the same scoring as <see cref="PredictionsApi"/>.</summary>
[McpServerToolType]
public sealed class PredictionTools(Predictors predictors, IOptions<OrleansMlOptions> options)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = McpJson.Options.Encoder, SkipValidation = true };

    [RequiresScope(Scopes.Predict)]
    [McpServerTool(Name = "predict", Title = "Predict with a model", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(PredictionResult))]
    [Description("Scores rows with a model and says which version answered. Without version or alias it uses the version the "
        + "'" + ModelAliases.Production + "' alias points at, else the newest succeeded version. Each row is an object of column name to value with "
        + "the model's input columns (get_training_status shows them in signature.inputs). Classification returns the label in "
        + "the label column's own values with probabilities; regression returns a value. With features, rows are first joined with "
        + "feature sets by their key column (an enriched prediction).")]
    public Task<CallToolResult> Predict(
        [Description("Model name.")] string model,
        [Description("Rows to score: objects of column name to number, string, boolean or null, e.g. [{\"tenure_months\": 2, \"contract\": \"month-to-month\"}].")]
        List<Dictionary<string, JsonElement>> rows,
        [Description("A specific version to use; give version or alias, not both.")] int? version = null,
        [Description("An alias to use, e.g. 'production' or 'staging'; not with version.")] string? alias = null,
        [Description("Feature sets to join with the rows (list_feature_sets shows them), e.g. [\"tx-stats\"]: each row must carry the set's key "
            + "column; the set's values and aggregates the model takes are added (a value the row carries wins). A missing or expired value uses "
            + "the feature's default, else the call fails naming the feature and the key.")]
        List<string>? features = null,
        CancellationToken cancellationToken = default) =>
        // Calls are served by PredictTool from the request's JSON; this signature gives the tool its schema and description.
        PredictAsync(predictors, options.Value.MaxPredictionRows, model, JsonSerializer.SerializeToElement(rows, McpJson.Options), version, alias,
            features is { Count: > 0 } ? [.. features] : default, cancellationToken);

    /// <summary>
    /// Scores <paramref name="rows"/> (the JSON array of the <c>rows</c> argument) scored as the REST route scores them,
    /// and answers with a summary, the answer's JSON as text, and the same JSON as structured content.
    /// </summary>
    internal static async Task<CallToolResult> PredictAsync(
        Predictors predictors, int maxRows, string? model, JsonElement rows, int? version, string? alias, ImmutableArray<string> features,
        CancellationToken cancellationToken)
    {
        model = ToolArguments.Name(model, "model");
        var entry = predictors.Get(model);
        var number = ToolArguments.Version(version);
        alias = alias is null ? null : ToolArguments.Name(alias, "alias");
        var batch = ToolArguments.Read(() => PredictionRowsReader.ReadRows(rows, entry, maxRows, number, alias));
        if (!features.IsDefaultOrEmpty)
        {
            ToolArguments.Read(() =>
            {
                FeatureJoin.Validate(features);
                foreach (var set in features)
                {
                    NameVisibility.Demand(set);
                }

                return features;
            });
        }

        var result = features.IsDefaultOrEmpty ? await entry.PredictBatchAsync(batch) : await entry.PredictEnrichedAsync(batch, features);
        cancellationToken.ThrowIfCancellationRequested();

        // The answer's JSON is written once, from the arrays, and serves as both the text and the structured content.
        var json = new ArrayBufferWriter<byte>(256 + (result.Count * 128));
        PredictionJson.Write(json, result, WriterOptions, writeNulls: true);
        var reader = new Utf8JsonReader(json.WrittenSpan);
        var structured = JsonElement.ParseValue(ref reader);
        return new CallToolResult
        {
            Content =
            [
                new TextContentBlock { Text = Summary(result) },
                new TextContentBlock { Text = Encoding.UTF8.GetString(json.WrittenSpan) },
            ],
            StructuredContent = structured,
        };
    }

    private static string Summary(BatchPrediction result)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Model '{result.Model}' version {result.Version}");
        if (result.Alias is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $" via alias '{result.Alias}'");
        }

        text.Append(" predicted ");
        for (var i = 0; i < Math.Min(result.Count, 10); i++)
        {
            text.Append(i == 0 ? string.Empty : "; ").Append(CultureInfo.InvariantCulture, $"row {i}: {Describe(result, i)}");
        }

        if (result.Count > 10)
        {
            text.Append(CultureInfo.InvariantCulture, $" (and {result.Count - 10} more rows)");
        }

        return text.Append('.').ToString();
    }

    private static string Describe(BatchPrediction result, int row)
    {
        if (result.Task == ModelTask.Regression)
        {
            return result.Scores[row].ToString("G6", CultureInfo.InvariantCulture);
        }

        var label = result.Labels[row];
        var probability = result.Probabilities[(row * result.Classes.Length) + label];
        return $"{result.ClassValues[label]} (probability {probability.ToString("F3", CultureInfo.InvariantCulture)})";
    }
}

/// <summary>
/// Serves calls of <c>predict</c> straight from the request's JSON, with the name, schema, description and metadata of
/// <see cref="PredictionTools.Predict"/>, which it wraps. Through the declared method every call would bind its rows
/// into a dictionary per row with a parsed JSON value per cell, create the tool class, and serialize the whole answer
/// once more for the structured content the answer already carries; here the rows argument is read by the same reader
/// as the REST route, straight into the batch. The tool call filters have checked the arguments' JSON types against the
/// schema before a call gets here.
/// </summary>
internal sealed class PredictTool(McpServerTool declared) : DelegatingMcpServerTool(declared)
{
    /// <summary>The tool, as <c>WithTools</c> would declare <see cref="PredictionTools"/>, served by this class.</summary>
    public static McpServerTool Create(IServiceProvider services) => new PredictTool(McpServerTool.Create(
        typeof(PredictionTools).GetMethod(nameof(PredictionTools.Predict))!,
        static request => ActivatorUtilities.CreateInstance<PredictionTools>(request.Services!),
        new McpServerToolCreateOptions { Services = services, SerializerOptions = McpJson.Options }));

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var services = request.Services ?? throw new InvalidOperationException("The tool call has no services.");
        return new ValueTask<CallToolResult>(CallAsync(services, request.Params?.Arguments, cancellationToken));
    }

    /// <summary>A call of <c>predict</c> with <paramref name="arguments"/> as the request holds them.</summary>
    internal static Task<CallToolResult> CallAsync(IServiceProvider services, IDictionary<string, JsonElement>? arguments, CancellationToken cancellationToken)
    {
        JsonElement Argument(string name) => arguments is not null && arguments.TryGetValue(name, out var value) ? value : default;

        var model = Argument("model") is { ValueKind: JsonValueKind.String } m ? m.GetString() : null;
        int? version = Argument("version") switch
        {
            { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out var number) => number,
            _ => throw new McpProtocolException("version must be a version number, 1 or more.", McpErrorCode.InvalidParams),
        };
        var alias = Argument("alias") switch
        {
            { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => null,
            { ValueKind: JsonValueKind.String } a => a.GetString(),
            _ => throw new McpProtocolException("alias must be a string such as \"production\".", McpErrorCode.InvalidParams),
        };
        var features = Features(Argument("features"));
        return PredictionTools.PredictAsync(
            services.GetRequiredService<Predictors>(), services.GetRequiredService<IOptions<OrleansMlOptions>>().Value.MaxPredictionRows,
            model, Argument("rows"), version, alias, features, cancellationToken);
    }

    private static ImmutableArray<string> Features(JsonElement features)
    {
        if (features.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return default;
        }

        if (features.ValueKind != JsonValueKind.Array)
        {
            throw new McpProtocolException("features must be an array of feature set names such as [\"tx-stats\"].", McpErrorCode.InvalidParams);
        }

        var names = ImmutableArray.CreateBuilder<string>(features.GetArrayLength());
        foreach (var name in features.EnumerateArray())
        {
            names.Add(name.ValueKind == JsonValueKind.String
                ? name.GetString()!
                : throw new McpProtocolException($"features[{names.Count}] must be a feature set name (a string).", McpErrorCode.InvalidParams));
        }

        return names.Count == 0 ? default : names.MoveToImmutable();
    }
}
