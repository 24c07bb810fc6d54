using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

namespace OrleansMl.Gateway.Mcp;

/// <summary>MCP tools for rollouts, feedback and live health: the same grain calls as <see cref="RolloutsApi"/> and <see cref="ModelHealthApi"/>.</summary>
[McpServerToolType]
public sealed class RolloutTools(IGrainFactory grains, IOptions<OrleansMlOptions> options)
{
    [RequiresScope(Scopes.Deploy)]
    [McpServerTool(Name = "start_rollout", Title = "Start a canary or shadow rollout", Destructive = true, Idempotent = false, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(RolloutInfo))]
    [Description("Rolls a succeeded version out against the version an alias (default '" + ModelAliases.Production + "') points at. "
        + "canary: weight% of the alias's requests go to the candidate, advancing through steps while the guard holds and promoting it at 100; "
        + "when the guard is breached (e.g. feedback accuracy more than maxDrop below the baseline's after minSamples labelled predictions) "
        + "all traffic returns to the baseline by itself. shadow: the baseline answers; the candidate scores the same rows off the request path. "
        + "Then send_feedback with the predictionIds of predictions, and get_rollout to watch.")]
    public async Task<CallToolResult> StartRollout(
        [Description("Model name.")] string model,
        [Description("The succeeded version to roll out.")] int candidate,
        [Description("The alias whose traffic is split. Default '" + ModelAliases.Production + "'.")] string? alias = null,
        [Description("canary (default) or shadow.")] string? mode = null,
        [Description("Percent of requests the candidate answers at first (default: the first step).")] int? weight = null,
        [Description("Weights to advance through, ending at 100 (default [10, 50, 100]).")] int[]? steps = null,
        [Description("Candidate samples (labelled predictions for a feedback guard, else requests) in a step before advancing.")] long? stepAfterSamples = null,
        [Description("Seconds in a step before advancing (default 60 when neither stepAfter value is given).")] double? stepAfterSeconds = null,
        [Description("A column whose value picks the arm, so the same value always gets the same one (e.g. customer_id): one both versions take as input, or their label.")] string? stickyBy = null,
        [Description("Guard metric: accuracy, auc, rmse, mae (with maxDrop against the baseline), errorRate or p99 (with max); one the task measures: auc for binary models only, rmse and mae for regressions only.")] string? guardMetric = null,
        [Description("How far the candidate may fall behind the baseline (accuracy, e.g. 0.02; rmse, mae).")] double? guardMaxDrop = null,
        [Description("The highest value allowed: errorRate as a share, p99 in milliseconds.")] double? guardMax = null,
        [Description("Samples before the guard is checked (default 100).")] int? guardMinSamples = null)
    {
        model = ToolArguments.Name(model, "model");
        var names = ArgumentNames.Rollout;
        var request = names.Read(() => RolloutsApi.ToRequest(new RolloutBody(
            candidate, alias, mode, weight, steps,
            stepAfterSamples is null && stepAfterSeconds is null ? null : new StepAfterBody(stepAfterSamples, ToolArguments.Seconds(stepAfterSeconds, "stepAfterSeconds")),
            stickyBy,
            guardMetric is null && guardMaxDrop is null && guardMax is null ? null : new GuardBody(guardMetric, guardMaxDrop, guardMax, guardMinSamples))));
        var info = await names.CallAsync(() => grains.GetGrain<IModelGrain>(model).StartRolloutAsync(request));
        return ToolResults.Structured(info, Describe(info));
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "get_rollout", Title = "Show a model's rollout", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(RolloutInfo))]
    [Description("Shows the current or last rollout of a model: running, promoted, rolledBack or aborted; the candidate's weight; per-arm "
        + "requests, errors, latency and feedback accuracy since it started; and every decision with the numbers it was made on.")]
    public async Task<CallToolResult> GetRollout([Description("Model name.")] string model)
    {
        model = ToolArguments.Name(model, "model");
        var info = await grains.GetGrain<IModelGrain>(model).GetRolloutAsync();
        return ToolResults.Structured(info, Describe(info));
    }

    [RequiresScope(Scopes.Deploy)]
    [McpServerTool(Name = "abort_rollout", Title = "Abort a rollout", Destructive = true, Idempotent = false, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(RolloutInfo))]
    [Description("Stops the running rollout of a model: all traffic returns to the baseline on every silo before the call returns.")]
    public async Task<CallToolResult> AbortRollout(
        [Description("Model name.")] string model,
        [Description("Why, recorded in the rollout's decisions.")] string? reason = null)
    {
        model = ToolArguments.Name(model, "model");
        var info = await grains.GetGrain<IModelGrain>(model).AbortRolloutAsync(reason);
        return ToolResults.Structured(info, Describe(info));
    }

    [RequiresScope(Scopes.Predict)]
    [McpServerTool(Name = "send_feedback", Title = "Send true labels for earlier predictions", Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(FeedbackResult))]
    [Description("Sends the true label (or value) of earlier predictions, named by the predictionId each prediction came with. They are "
        + "joined to the version that predicted and feed its accuracy (or RMSE/MAE) in get_model_health and a rollout's guard. Unknown, "
        + "expired and duplicate ids are counted, not errors.")]
    public async Task<CallToolResult> SendFeedback(
        [Description("Model name.")] string model,
        [Description("Items: [{\"predictionId\": \"...\", \"actual\": \"yes\"}], actual in the label column's own values.")] List<FeedbackBodyItem?> items)
    {
        model = ToolArguments.Name(model, "model");
        var checkedItems = ToolArguments.Read(() => ModelHealthApi.ToItems(items, options.Value.MaxPredictionRows));
        await grains.GetGrain<IModelGrain>(model).GetSummaryAsync();
        var result = await grains.GetGrain<IModelHealthGrain>(model).RecordFeedbackAsync(checkedItems);
        return ToolResults.Structured(result,
            $"Feedback for model '{model}': {result.Accepted} accepted, {result.Unknown} unknown, {result.Expired} expired, {result.Duplicate} duplicate.");
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "get_model_health", Title = "Show a model's live health", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ModelHealth))]
    [Description("Shows per version serving traffic, over the last 5 minutes and the last hour: requests, errors, p50/p99 latency, "
        + "predicted label counts (or mean/stddev), feedback accuracy (or RMSE/MAE) and shadow agreement.")]
    public async Task<CallToolResult> GetModelHealth([Description("Model name.")] string model)
    {
        model = ToolArguments.Name(model, "model");
        await grains.GetGrain<IModelGrain>(model).GetSummaryAsync();
        var health = await grains.GetGrain<IModelHealthGrain>(model).GetHealthAsync();
        var text = health.Versions.IsEmpty
            ? $"Model '{model}' served no predictions in the last hour."
            : string.Join(" ", health.Versions.Select(v =>
            {
                var w = v.Windows[0];
                return string.Create(CultureInfo.InvariantCulture,
                    $"v{v.Version} (5 min): {w.Requests} requests, {w.Errors} errors, p99 {w.P99Ms?.ToString(CultureInfo.InvariantCulture) ?? "-"} ms, {w.Labelled} labelled{(w.Accuracy is { } a ? $", accuracy {a:0.###}" : string.Empty)}.");
            }));
        return ToolResults.Structured(health, text);
    }

    [RequiresScope(Scopes.Deploy)]
    [McpServerTool(Name = "set_alias_guard", Title = "Guard an alias", Destructive = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(AliasGuardInfo))]
    [Description("Sets (or with remove: true, removes) the guard that watches an alias: if the live metric of the version it points at, "
        + "since its promotion, does worse than the version before it (e.g. feedback accuracy more than maxDrop lower), the alias rolls "
        + "back by itself with the numbers in its history, and the guard is removed.")]
    public async Task<CallToolResult> SetAliasGuard(
        [Description("Model name.")] string model,
        [Description("The alias to watch, e.g. 'production'.")] string alias,
        [Description("accuracy, auc, rmse, mae (with maxDrop against the previous version), errorRate or p99 (with max).")] string? metric = null,
        [Description("How far the version may fall behind the previous one (accuracy, e.g. 0.02; rmse, mae).")] double? maxDrop = null,
        [Description("The highest value allowed: errorRate as a share, p99 in milliseconds.")] double? max = null,
        [Description("Samples before the guard is checked (default 100).")] int? minSamples = null,
        [Description("Remove the alias's guard instead.")] bool remove = false)
    {
        model = ToolArguments.Name(model, "model");
        alias = ToolArguments.Name(alias, "alias");
        if (remove)
        {
            // A guard described beside remove: true is a contradiction, not a guard to drop quietly.
            var given = new (string Name, bool Given)[] { ("metric", metric is not null), ("maxDrop", maxDrop is not null), ("max", max is not null), ("minSamples", minSamples is not null) }
                .Where(a => a.Given).Select(a => a.Name).ToList();
            if (given.Count > 0)
            {
                throw new McpProtocolException(
                    $"remove: true removes the guard, so {string.Join(", ", given)} {(given.Count > 1 ? "are" : "is")} not taken with it; "
                    + "leave out remove to set a guard, or leave them out to remove it.", McpErrorCode.InvalidParams);
            }
        }

        var grain = grains.GetGrain<IModelGrain>(model);
        var info = remove
            ? await grain.RemoveAliasGuardAsync(alias)
            : await ArgumentNames.AliasGuard.CallAsync(() => grain.SetAliasGuardAsync(
                alias, ArgumentNames.AliasGuard.Read(() => RolloutsApi.ToGuard(new GuardBody(metric, maxDrop, max, minSamples))!)));
        var text = info.Guard is { } g
            ? $"Alias '{alias}' of model '{model}' (version {info.Version}) is guarded by {g.Metric}; a breach rolls it back to version {info.Previous?.ToString(CultureInfo.InvariantCulture) ?? "(none yet)"}."
            : $"Alias '{alias}' of model '{model}' has no guard.";
        return ToolResults.Structured(info, text);
    }

    private static string Describe(RolloutInfo info) =>
        $"Rollout of model '{info.Model}' version {info.Candidate} against version {info.Baseline} on alias '{info.Alias}' ({EnumWords.Word(info.Mode)}): "
        + $"{EnumWords.Word(info.Status)}, weight {info.Weight}%. Last decision: {info.Decisions[^1].Reason}.";
}
