using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Mcp;

/// <summary>MCP tools for the model registry: the same grain calls as <see cref="ModelsApi"/>.</summary>
[McpServerToolType]
public sealed class ModelTools(IGrainFactory grains)
{
    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "list_models", Title = "List models", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ModelList))]
    [Description("Lists models with their number of versions, newest version and aliases (e.g. production → 2), a page at a time sorted "
        + "by name. Then describe_model for the versions, metrics and alias history of one model.")]
    public async Task<CallToolResult> ListModels(
        [Description("Most models to return, 1 to 1000. Default 100.")] int? limit = null,
        [Description("The nextCursor of the previous page; omit for the first page.")] string? cursor = null)
    {
        var list = await ToolArguments.PageAsync(() => CatalogQueries.ListModelsAsync(grains, limit, cursor));
        var more = list.NextCursor is null ? string.Empty : $" More models follow: call list_models with cursor '{list.NextCursor}'.";
        var text = list.Models.IsEmpty
            ? (cursor is null ? "There are no models yet. Call train_model to train the first version of one." : "No more models.")
            : $"{list.Models.Length} model(s): " + string.Join("; ", list.Models.Select(m =>
                $"{m.Name} ({m.VersionCount} version(s){(m.Aliases.IsEmpty ? string.Empty : ", " + Aliases(m.Aliases))})")) + "." + more;
        return ToolResults.Structured(list, text);
    }

    [RequiresScope(Scopes.Train)]
    [McpServerTool(Name = "delete_model_version", Title = "Delete a model version", Destructive = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(DeletedVersion))]
    [Description("Deletes one model version: it is no longer listed or served, its number is never reused, and its model file is removed "
        + "from storage once nothing else uses it. Refused while an alias points at it or returns to it on rollback (promote_model, "
        + "rollback_model or remove_alias first), or while its training is queued or running (cancel_training first).")]
    public async Task<CallToolResult> DeleteModelVersion(
        [Description("Model name.")] string model,
        [Description("The version to delete.")] int version)
    {
        model = ToolArguments.Name(model, "model");
        version = ToolArguments.Version(version);
        await grains.GetGrain<IModelGrain>(model).DeleteVersionAsync(version);
        return ToolResults.Structured(new DeletedVersion(model, version), $"Version {version} of model '{model}' is deleted.");
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "describe_model", Title = "Describe a model", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ModelInfo))]
    [Description("Shows a model: every version (status, algorithm, held-out metrics, dataset it was trained on), its aliases "
        + "(which version production serves) and the history of promotions and rollbacks.")]
    public async Task<CallToolResult> DescribeModel([Description("Model name, as listed by list_models.")] string model)
    {
        model = ToolArguments.Name(model, "model");
        var info = await grains.GetGrain<IModelGrain>(model).GetAsync();
        var versions = string.Join("; ", info.Versions.Select(v =>
            $"v{v.Version} {EnumWords.Word(v.Status)}{(v.Algorithm is null ? string.Empty : " " + v.Algorithm)}{(v.Metrics.IsEmpty ? string.Empty : " " + Metrics(v.Metrics))}"));
        var text = $"Model '{info.Name}': {versions}. Aliases: {(info.Aliases.IsEmpty ? "none (predict uses the newest succeeded version)" : Aliases(info.Aliases))}. "
            + $"{info.AliasHistory.Length} alias change(s) recorded.";
        return ToolResults.Structured(info, text);
    }

    [RequiresScope(Scopes.Deploy)]
    [McpServerTool(Name = "promote_model", Title = "Promote a version to an alias", Destructive = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(AliasInfo))]
    [Description("Points an alias (default '" + ModelAliases.Production + "') at a succeeded version, so predictions without an explicit version use it "
        + "from the next call on. The change is recorded in the model's history and can be undone with rollback_model. "
        + "Compare first with compare_versions.")]
    public async Task<CallToolResult> PromoteModel(
        [Description("Model name.")] string model,
        [Description("The succeeded version to promote.")] int version,
        [Description("Alias to move. Default '" + ModelAliases.Production + "'; any name such as 'staging' works.")] string alias = ModelAliases.Production,
        [Description("Why, recorded in the alias history (e.g. 'auc 0.91 vs 0.88').")] string? reason = null)
    {
        model = ToolArguments.Name(model, "model");
        alias = ToolArguments.Name(alias, "alias");
        var result = await grains.GetGrain<IModelGrain>(model).SetAliasAsync(alias, ToolArguments.Version(version), reason);
        var from = result.Change.From is { } f ? $" (was version {f})" : string.Empty;
        var serves = result.Alias == ModelAliases.Production
            ? "predict without a version or alias now uses it"
            : $"predict with alias '{result.Alias}' now uses it (without a version or alias, predict keeps using '{ModelAliases.Production}')";
        return ToolResults.Structured(result,
            $"Alias '{result.Alias}' of model '{result.Model}' now points at version {result.Version}{from}. "
            + $"{serves}; rollback_model with alias '{result.Alias}' undoes this.");
    }

    [RequiresScope(Scopes.Deploy)]
    [McpServerTool(Name = "rollback_model", Title = "Roll an alias back", Destructive = true, Idempotent = false, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(AliasInfo))]
    [Description("Moves an alias (default '" + ModelAliases.Production + "') back to the version it pointed at before its latest promotion, e.g. when "
        + "the newly promoted version predicts worse. Each call steps back once more; it fails when the alias has no earlier version.")]
    public async Task<CallToolResult> RollbackModel(
        [Description("Model name.")] string model,
        [Description("Alias to roll back. Default '" + ModelAliases.Production + "'.")] string alias = ModelAliases.Production,
        [Description("Why, recorded in the alias history.")] string? reason = null)
    {
        model = ToolArguments.Name(model, "model");
        alias = ToolArguments.Name(alias, "alias");
        var result = await grains.GetGrain<IModelGrain>(model).RollbackAliasAsync(alias, reason);
        return ToolResults.Structured(result,
            $"Alias '{result.Alias}' of model '{result.Model}' is back on version {result.Version} (was version {result.Change.From}). "
            + "The next predict call uses it.");
    }

    [RequiresScope(Scopes.Deploy)]
    [McpServerTool(Name = "remove_alias", Title = "Remove an alias", Destructive = true, Idempotent = false, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(RemovedAlias))]
    [Description("Removes an alias of a model with its rollback stack and guard, e.g. a mistyped one or one no longer used: predict through "
        + "it fails from the next call on, and the versions it pointed at can then be deleted. Removing '" + ModelAliases.Production + "' makes "
        + "predict without a version or alias use the newest succeeded version. The removal is recorded in the model's history; "
        + "promote_model creates the alias again. Refused while a rollout runs on the alias or the model's schedule rolls out against it.")]
    public async Task<CallToolResult> RemoveAlias(
        [Description("Model name.")] string model,
        [Description("The alias to remove, e.g. 'staging'. No default: name it.")] string alias,
        [Description("Why, recorded in the alias history.")] string? reason = null)
    {
        model = ToolArguments.Name(model, "model");
        alias = ToolArguments.Name(alias, "alias");
        var result = await grains.GetGrain<IModelGrain>(model).RemoveAliasAsync(alias, reason);
        var left = result.Aliases.IsEmpty
            ? "It has no aliases left; predict without a version uses the newest succeeded version."
            : $"Its {Aliases(result.Aliases)}.";
        var fallback = result.Alias == ModelAliases.Production && !result.Aliases.IsEmpty
            ? " predict without a version or alias now uses the newest succeeded version."
            : string.Empty;
        return ToolResults.Structured(result,
            $"Alias '{result.Alias}' of model '{result.Model}' is removed (it pointed at version {result.Version}). {left}{fallback}");
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "compare_versions", Title = "Compare two versions", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(VersionComparison))]
    [Description("Puts the held-out metrics of two versions of a model side by side and names the better version for each metric "
        + "(higher is better for accuracy, auc, f1, microAccuracy, macroAccuracy, r2; lower is better for logLoss, rmse, mae), "
        + "and overall by the task's primary metric (auc, macroAccuracy or rmse). Use it before promote_model.")]
    public async Task<CallToolResult> CompareVersions(
        [Description("Model name.")] string model,
        [Description("The version to compare against, usually the one production serves (see describe_model).")] int baseline,
        [Description("The version that may replace it, usually the newest.")] int candidate)
    {
        model = ToolArguments.Name(model, "model");
        baseline = ToolArguments.Version(baseline, nameof(baseline));
        candidate = ToolArguments.Version(candidate, nameof(candidate));
        var grain = grains.GetGrain<IModelGrain>(model);
        var a = await grain.GetVersionAsync(baseline);
        var b = await grain.GetVersionAsync(candidate);
        var comparison = VersionComparison.Compare(a, b);
        return ToolResults.Structured(comparison, Summary(comparison));
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "evaluate_model", Title = "Evaluate a version on other data", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ModelEvaluation))]
    [Description("Scores every row of a dataset version with a succeeded model version and reports the metrics training reports "
        + "(accuracy, auc, f1, logLoss; microAccuracy, macroAccuracy; rmse, mae, r2), beside the version's own held-out metrics: how to "
        + "check a model on fresh data (upload it with create_dataset first) before promote_model. The dataset needs the label column "
        + "and the model's input columns. Answers when done; large datasets take a while.")]
    public async Task<CallToolResult> EvaluateModel(
        [Description("Model name.")] string model,
        [Description("The succeeded version to evaluate.")] int version,
        [Description("Dataset to score, with the label column, e.g. this month's data.")] string dataset,
        [Description("Dataset version; default latest.")] int? datasetVersion = null,
        CancellationToken cancellationToken = default)
    {
        model = ToolArguments.Name(model, "model");
        dataset = ToolArguments.Name(dataset, "dataset");
        var result = await CatalogQueries.EvaluateAsync(
            grains, model, ToolArguments.Version(version), dataset, ToolArguments.Version(datasetVersion, nameof(datasetVersion)), cancellationToken);
        var left = result.MissingLabelRows + result.UnknownLabelRows > 0
            ? $" ({result.MissingLabelRows} without a label and {result.UnknownLabelRows} with a class the model never saw were left out)"
            : string.Empty;
        var training = result.TrainingMetrics.IsEmpty ? string.Empty : $"; held out in training: {Metrics(result.TrainingMetrics)}";
        return ToolResults.Structured(result,
            $"Model '{result.Model}' version {result.Version} on dataset '{result.Dataset}' version {result.DatasetVersion}, "
            + $"{result.EvaluatedRows} of {result.Rows} rows{left}: {(result.Metrics.IsEmpty ? "no metrics (no labelled rows)" : Metrics(result.Metrics))}{training}.");
    }

    private static string Summary(VersionComparison c)
    {
        var lines = c.Metrics.Select(m => string.Create(CultureInfo.InvariantCulture,
            $"{m.Name}: v{c.Baseline.Version} {m.Baseline?.ToString("G4", CultureInfo.InvariantCulture) ?? "-"} vs v{c.Candidate.Version} {m.Candidate?.ToString("G4", CultureInfo.InvariantCulture) ?? "-"}"
            + $" ({(m.LowerIsBetter ? "lower" : "higher")} is better: {(m.Better is { } b ? $"v{b}" : "tie")})"));
        var verdict = c.Better switch
        {
            null when c.PrimaryMetric is null => "No primary metric to decide on.",
            null => $"No winner on {c.PrimaryMetric}.",
            var b when b == c.Candidate.Version => $"Version {b} is better on {c.PrimaryMetric}: promote_model with version {b} to serve it.",
            var b => $"Version {b} (the baseline) is better on {c.PrimaryMetric}: keep it; do not promote version {c.Candidate.Version}.",
        };
        var notes = c.Notes.IsEmpty ? string.Empty : " Note: " + string.Join(" ", c.Notes);
        return $"Model '{c.Model}', v{c.Baseline.Version} ({c.Baseline.Algorithm}) vs v{c.Candidate.Version} ({c.Candidate.Algorithm}). "
            + string.Join("; ", lines) + ". " + verdict + notes;
    }

    private static string Aliases(IEnumerable<KeyValuePair<string, int>> aliases) =>
        "aliases " + string.Join(", ", aliases.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} → v{a.Value}"));

    private static string Metrics(IEnumerable<KeyValuePair<string, double>> metrics) =>
        string.Join(", ", metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:G4}")));
}
