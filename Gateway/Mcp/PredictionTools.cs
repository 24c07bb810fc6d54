using System.Buffers;
using System.Collections.Immutable;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Features;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

namespace OrleansMl.Gateway.Mcp;

/// <summary>The MCP prediction tool: the same grain call as <see cref="PredictionsApi"/>.</summary>
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
    public async Task<CallToolResult> Predict(
        [Description("Model name.")] string model,
        [Description("Rows to score: objects of column name to number, string, boolean or null, e.g. [{\"tenure_months\": 2, \"contract\": \"month-to-month\"}].")]
        List<Dictionary<string, JsonElement>> rows,
        [Description("A specific version to use; wins over alias.")] int? version = null,
        [Description("An alias to use, e.g. 'production' or 'staging'.")] string? alias = null,
        [Description("Feature sets to join with the rows (list_feature_sets shows them), e.g. [\"tx-stats\"]: each row must carry the set's key "
            + "column; the set's values and aggregates the model takes are added (a value the row carries wins). A missing or expired value uses "
            + "the feature's default, else the call fails naming the feature and the key.")]
        List<string>? features = null,
        CancellationToken cancellationToken = default)
    {
        model = ToolArguments.Name(model, "model");
        var batch = ToolArguments.Read(() => RequestMapping.ToBatch(
            rows, ToolArguments.Version(version), alias is null ? null : Names.Validate(alias, "alias"), options.Value.MaxPredictionRows));
        var sets = ToolArguments.Read(() =>
        {
            ImmutableArray<string> named = features is { Count: > 0 } ? [.. features] : default;
            FeatureJoin.Validate(named);
            foreach (var set in named.IsDefault ? [] : named)
            {
                NameVisibility.Demand(set);
            }

            return named;
        });
        var grain = predictors.Get(model).Grain;
        var result = sets.IsDefault ? await grain.PredictBatchAsync(batch) : await grain.PredictEnrichedAsync(batch, sets);
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
