using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

namespace OrleansMl.Gateway.Mcp;

/// <summary>The MCP prediction tool: the same grain call as <see cref="PredictionsApi"/>.</summary>
[McpServerToolType]
public sealed class PredictionTools(IGrainFactory grains, IOptions<OrleansMlOptions> options)
{
    [RequiresScope(Scopes.Predict)]
    [McpServerTool(Name = "predict", Title = "Predict with a model", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(PredictionResult))]
    [Description("Scores rows with a model and says which version answered. Without version or alias it uses the version the "
        + "'" + ModelAliases.Production + "' alias points at, else the newest succeeded version. Each row is an object of column name to value with "
        + "the model's input columns (get_training_status shows them in signature.inputs). Classification returns the label in "
        + "the label column's own values with probabilities; regression returns a value.")]
    public async Task<CallToolResult> Predict(
        [Description("Model name.")] string model,
        [Description("Rows to score: objects of column name to number, string, boolean or null, e.g. [{\"tenure_months\": 2, \"contract\": \"month-to-month\"}].")]
        List<Dictionary<string, JsonElement>> rows,
        [Description("A specific version to use; wins over alias.")] int? version = null,
        [Description("An alias to use, e.g. 'production' or 'staging'.")] string? alias = null,
        CancellationToken cancellationToken = default)
    {
        model = ToolArguments.Name(model, "model");
        var request = ToolArguments.Read(() => new PredictionRequest(
            RequestMapping.ToRows(rows, options.Value.MaxPredictionRows), ToolArguments.Version(version), alias is null ? null : Names.Validate(alias, "alias")));
        var result = await grains.GetGrain<IPredictorGrain>(model).PredictAsync(request, cancellationToken);
        var answers = string.Join("; ", result.Predictions.Take(10).Select((p, i) => $"row {i}: {Describe(p)}"));
        var more = result.Predictions.Length > 10 ? $" (and {result.Predictions.Length - 10} more rows)" : string.Empty;
        var via = result.Alias is null ? string.Empty : $" via alias '{result.Alias}'";
        return ToolResults.Structured(result, $"Model '{result.Model}' version {result.Version}{via} predicted {answers}{more}.");
    }

    private static string Describe(Prediction p)
    {
        if (p.Value is { } value)
        {
            return value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
        }

        var label = p.Label?.ToString() ?? "(none)";
        return p.Probabilities is { } probabilities && probabilities.TryGetValue(label, out var probability)
            ? $"{label} (probability {probability.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)})"
            : label;
    }
}
