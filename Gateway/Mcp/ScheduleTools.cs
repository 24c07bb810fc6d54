using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Mcp;

/// <summary>MCP tools for retraining schedules: the same grain calls as <see cref="SchedulesApi"/>.</summary>
[McpServerToolType]
public sealed class ScheduleTools(IGrainFactory grains)
{
    /// <summary>How many runs get_schedule shows by default.</summary>
    private const int DefaultRuns = 10;

    [RequiresScope(Scopes.Deploy)]
    [McpServerTool(Name = "set_schedule", Title = "Set a model's retraining schedule", Destructive = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ScheduleInfo))]
    [Description("Sets (or replaces) the schedule that retrains a model. Every period (at least 00:01:00) a run looks at the newest version "
        + "of the dataset: trigger always trains; newData trains only if that version is not the one the last trained run used; drift trains "
        + "only if the largest PSI between it and the data the production version was trained on reaches driftThreshold (default 0.2). Once "
        + "the new version succeeded, then: none keeps it; rollout starts a canary (or shadow) of it against the alias (default production) "
        + "with the rollout arguments; promoteIfBetter promotes it to production only if its held-out primary metric beats production's "
        + "(auc for binary, microAccuracy for multiclass, rmse for regression where lower is better). The schedule is validated now. "
        + "get_schedule shows each run's decision and why.")]
    public async Task<CallToolResult> SetSchedule(
        [Description("Model name.")] string model,
        [Description("How often a run is due, hh:mm:ss (e.g. \"01:00:00\"); at least \"00:01:00\".")] string every,
        [Description("The dataset each run trains on (its newest version at the time).")] string dataset,
        [Description("The label column.")] string label,
        [Description("always (default), newData or drift.")] string? trigger = null,
        [Description("For drift: the largest PSI at which a run trains (default 0.2).")] double? driftThreshold = null,
        [Description("none (default), rollout or promoteIfBetter.")] string? then = null,
        [Description("auto (default), fasttree, lightgbm, fastforest, linear, lda (classification only) or kernelridge (regression only).")] string? algorithm = null,
        [Description("Hyper-parameters by name (trees, leaves, learningRate, minLeaf, l1, l2, timeBudgetSeconds). Omit for defaults.")] Dictionary<string, double>? parameters = null,
        [Description("auto (default), binary, multiclass or regression.")] string? task = null,
        [Description("Feature columns each run trains on; the drift trigger measures these. Omit for every usable column except the label.")] string[]? features = null,
        [Description("For rollout: the alias whose traffic is split (default production).")] string? rolloutAlias = null,
        [Description("For rollout: canary (default) or shadow.")] string? rolloutMode = null,
        [Description("For rollout: weights to advance through, ending at 100 (default [10, 50, 100]).")] int[]? rolloutSteps = null,
        [Description("For rollout: seconds in a step before advancing.")] double? rolloutStepAfterSeconds = null,
        [Description("For rollout: candidate samples in a step before advancing.")] long? rolloutStepAfterSamples = null,
        [Description("For rollout: a column whose value picks the arm (e.g. customer_id).")] string? rolloutStickyBy = null,
        [Description("For rollout: guard metric accuracy, rmse, mae (with guardMaxDrop), errorRate or p99 (with guardMax).")] string? guardMetric = null,
        [Description("For rollout: how far the candidate may fall behind the baseline.")] double? guardMaxDrop = null,
        [Description("For rollout: the highest value allowed (errorRate as a share, p99 in milliseconds).")] double? guardMax = null,
        [Description("For rollout: samples before the guard is checked (default 100).")] int? guardMinSamples = null)
    {
        model = ToolArguments.Name(model, "model");
        var rolloutGiven = rolloutAlias is not null || rolloutMode is not null || rolloutSteps is not null || rolloutStepAfterSeconds is not null
            || rolloutStepAfterSamples is not null || rolloutStickyBy is not null || guardMetric is not null || guardMaxDrop is not null || guardMax is not null;
        if (rolloutGiven && !string.Equals(then, "rollout", StringComparison.OrdinalIgnoreCase))
        {
            // Named by the arguments the caller gave: the REST body's single "rollout" object is no argument of this tool.
            var given = new (string Name, bool Given)[]
            {
                ("rolloutAlias", rolloutAlias is not null), ("rolloutMode", rolloutMode is not null), ("rolloutSteps", rolloutSteps is not null),
                ("rolloutStepAfterSeconds", rolloutStepAfterSeconds is not null), ("rolloutStepAfterSamples", rolloutStepAfterSamples is not null),
                ("rolloutStickyBy", rolloutStickyBy is not null), ("guardMetric", guardMetric is not null), ("guardMaxDrop", guardMaxDrop is not null),
                ("guardMax", guardMax is not null), ("guardMinSamples", guardMinSamples is not null),
            }.Where(a => a.Given).Select(a => a.Name);
            throw new McpProtocolException(
                $"{string.Join(", ", given)} {(given.Count() > 1 ? "are" : "is")} only taken with then: rollout (they shape the rollout a run starts); "
                + "pass then: \"rollout\", or leave them out.", McpErrorCode.InvalidParams);
        }

        var names = ArgumentNames.Schedule;
        var request = names.Read(() => SchedulesApi.ToRequest(new ScheduleBody(
            every, dataset, label, algorithm, parameters, trigger, driftThreshold, then,
            rolloutGiven
                ? new RolloutBody(null, rolloutAlias, rolloutMode, null, rolloutSteps,
                    rolloutStepAfterSamples is null && rolloutStepAfterSeconds is null ? null : new StepAfterBody(rolloutStepAfterSamples, ToolArguments.Seconds(rolloutStepAfterSeconds, "rolloutStepAfterSeconds")),
                    rolloutStickyBy,
                    guardMetric is null && guardMaxDrop is null && guardMax is null ? null : new GuardBody(guardMetric, guardMaxDrop, guardMax, guardMinSamples))
                : null,
            task,
            features?.ToList())));
        var info = await names.CallAsync(() => grains.GetGrain<IModelScheduleGrain>(model).SetAsync(request));
        return ToolResults.Structured(info, Describe(info));
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "get_schedule", Title = "Show a model's schedule and its runs", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ScheduleOverview))]
    [Description("Shows a model's retraining schedule (period, dataset, trigger, then, next run) and its most recent runs, newest first: "
        + "when each was due, the dataset version it looked at, its decision (skipped, training, trained, failed) and why, and what followed "
        + "(promoted, notPromoted, rolloutStarted).")]
    public async Task<CallToolResult> GetSchedule(
        [Description("Model name.")] string model,
        [Description("How many recent runs to show (default 10, at most 200).")] int? runs = null)
    {
        model = ToolArguments.Name(model, "model");
        var count = ToolArguments.Read(() => runs is null or (>= 0 and <= ScheduleRuns.MaxRuns)
            ? runs ?? DefaultRuns
            : throw new InvalidScheduleException($"runs must be between 0 and {ScheduleRuns.MaxRuns} (got {runs})."));
        var grain = grains.GetGrain<IModelScheduleGrain>(model);
        var info = await grain.GetAsync();
        var history = await grain.GetRunsAsync();
        var overview = new ScheduleOverview(info, [.. history.Runs.Take(count)]);
        var lines = overview.Runs.Select(r => $"- due {r.Due.ToString("u", CultureInfo.InvariantCulture)}: {r.Reason}{(r.ThenReason is { } t ? $"; {t}" : string.Empty)}");
        return ToolResults.Structured(overview, string.Join("\n", lines.Prepend(Describe(info))));
    }

    [RequiresScope(Scopes.Deploy)]
    [McpServerTool(Name = "delete_schedule", Title = "Remove a model's schedule", Destructive = true, Idempotent = false, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ScheduleInfo))]
    [Description("Removes a model's retraining schedule and its run history; versions it trained stay. Answers with the schedule as it was.")]
    public async Task<CallToolResult> DeleteSchedule([Description("Model name.")] string model)
    {
        model = ToolArguments.Name(model, "model");
        var info = await grains.GetGrain<IModelScheduleGrain>(model).DeleteAsync();
        return ToolResults.Structured(info, $"The schedule of model '{model}' was removed ({info.Runs} runs in its history).");
    }

    private static string Describe(ScheduleInfo info)
    {
        var s = info.Schedule;
        return $"Model '{info.Model}' retrains every {s.Every:c} on dataset '{s.Dataset}' (label '{s.Label}'"
            + (s.Features.IsDefaultOrEmpty ? string.Empty : $", features {string.Join(", ", s.Features)}")
            + $"), trigger {EnumWords.Word(s.Trigger)}"
            + (s.DriftThreshold is { } d ? $" at PSI {d.ToString(CultureInfo.InvariantCulture)}" : string.Empty)
            + $", then {EnumWords.Word(s.Then)}; next run due {info.NextRunAt.ToString("u", CultureInfo.InvariantCulture)}."
            + (info.LastRun is { } r ? $" Last run: {r.Reason}{(r.ThenReason is { } t ? $"; {t}" : string.Empty)}." : " No run yet.");
    }
}

/// <summary>A schedule with its most recent runs, newest first.</summary>
/// <param name="Schedule">The schedule.</param>
/// <param name="Runs">Its most recent runs, newest first.</param>
public sealed record ScheduleOverview(ScheduleInfo Schedule, System.Collections.Immutable.ImmutableArray<ScheduleRun> Runs);
