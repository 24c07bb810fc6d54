using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Gateway.Security;
using System.Text.Json.Serialization;

namespace OrleansMl.Gateway.Api;

/// <summary>REST routes for a model's retraining schedule: <c>/api/models/{name}/schedule</c> and its runs.</summary>
public static class SchedulesApi
{
    public static IEndpointRouteBuilder MapSchedulesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Schedules")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{name}/schedule", SetAsync)
            .WithSummary("Set (or replace) the model's retraining schedule")
            .WithDescription("Every period (at least 00:01:00) a run looks at the newest version of the dataset. trigger always trains; newData trains "
                + "only when that version is not the one the last trained run used; drift trains only when the largest PSI between it and the dataset "
                + "version the production version was trained on is at least driftThreshold (default 0.2). Once the version succeeded, then: none "
                + "keeps it; rollout starts a rollout of it (the rollout spec as PUT /rollout takes it, without candidate; alias default production); "
                + "promoteIfBetter promotes it to production when its primary held-out metric beats production's (auc, microAccuracy; rmse lower). "
                + "The whole schedule is validated now (dataset, label, algorithm, parameters, rollout, alias); setting it needs scope deploy.")
            .WithRequestExample("application/json", """{"every":"01:00:00","dataset":"transactions","label":"fraud","algorithm":"lightgbm","trigger":"drift","driftThreshold":0.2,"then":"rollout","rollout":{"steps":[10,50,100],"stepAfter":{"duration":"00:10:00"},"guard":{"metric":"accuracy","maxDrop":0.02,"minSamples":200}}}""")
            .RequireScope(Scopes.Deploy);
        group.MapGet("/{name}/schedule", GetAsync)
            .WithSummary("The model's schedule: what it trains, when it runs next and its last run")
            .RequireScope(Scopes.Read)
            .AddEndpointFilter<FailoverFilter>();
        group.MapDelete("/{name}/schedule", DeleteAsync)
            .WithSummary("Remove the model's schedule (and its run history); answers with the schedule as it was")
            .RequireScope(Scopes.Deploy);
        group.MapGet("/{name}/schedule/runs", GetRunsAsync)
            .WithSummary("The schedule's runs, newest first: when, the dataset version, the decision and why (the last 200 are kept)")
            .RequireScope(Scopes.Read)
            .AddEndpointFilter<FailoverFilter>();
        return app;
    }

    internal static async Task<Ok<ScheduleInfo>> SetAsync(string name, ScheduleBody body, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        return TypedResults.Ok(await grains.GetGrain<IModelScheduleGrain>(name).SetAsync(ToRequest(body)));
    }

    internal static async Task<Ok<ScheduleInfo>> GetAsync(string name, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        return TypedResults.Ok(await grains.GetGrain<IModelScheduleGrain>(name).GetAsync());
    }

    internal static async Task<Ok<ScheduleInfo>> DeleteAsync(string name, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        return TypedResults.Ok(await grains.GetGrain<IModelScheduleGrain>(name).DeleteAsync());
    }

    internal static async Task<Ok<ScheduleRuns>> GetRunsAsync(string name, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        return TypedResults.Ok(await grains.GetGrain<IModelScheduleGrain>(name).GetRunsAsync());
    }

    /// <summary>The grain request from the body; what cannot be a schedule at all is refused here.</summary>
    public static ScheduleRequest ToRequest(ScheduleBody? body)
    {
        if (body is null)
        {
            throw new InvalidScheduleException("A schedule is required: {\"every\": \"01:00:00\", \"dataset\": \"...\", \"label\": \"...\"}.");
        }

        if (string.IsNullOrWhiteSpace(body.Every))
        {
            throw new InvalidScheduleException("every is required: how often a run is due, as hh:mm:ss (e.g. \"01:00:00\"), at least \"00:01:00\".");
        }

        if (!TimeSpan.TryParse(body.Every, CultureInfo.InvariantCulture, out var every))
        {
            throw new InvalidScheduleException($"every '{body.Every}' is not a time span: write it as hh:mm:ss or d.hh:mm:ss (e.g. \"01:00:00\").");
        }

        var trigger = ScheduleTrigger.Always;
        if (body.Trigger is { } t && !EnumWords.TryParse(t, out trigger))
        {
            throw new InvalidScheduleException($"trigger '{Names.Shown(t)}' is not one of {EnumWords.List<ScheduleTrigger>()}.");
        }

        var then = ScheduleThen.None;
        if (body.Then is { } n && !EnumWords.TryParse(n, out then))
        {
            throw new InvalidScheduleException($"then '{Names.Shown(n)}' is not one of {EnumWords.List<ScheduleThen>()}.");
        }

        if (body.Rollout?.Candidate is not null)
        {
            throw new InvalidScheduleException("rollout.candidate is not taken: each run rolls out the version it trained.");
        }

        var training = RequestMapping.ToTrainingRequest(body.Dataset, null, body.Label, body.Task, body.Algorithm, body.Features, body.Parameters, null, null);
        return new ScheduleRequest(
            every, training.Dataset, training.Label, training.Algorithm, training.Parameters, trigger, body.DriftThreshold, then,
            // The rollout is checked as a rollout of some valid version: each run names the version it trained instead.
            body.Rollout is { } rollout ? ToRollout(RolloutsApi.ToRequest(rollout with { Candidate = VersionNumbers.First })) : null, training.Task)
        {
            Features = training.Features,
        };
    }

    private static ScheduleRollout ToRollout(RolloutRequest r) =>
        new(r.Alias ?? ModelAliases.Production, r.Mode, r.Steps.IsDefaultOrEmpty ? [] : r.Steps, r.Weight, r.StepAfter, r.StickyBy, r.Guard);
}

/// <summary>A retraining schedule.</summary>
/// <param name="Every">How often a run is due, e.g. "01:00:00"; at least "00:01:00".</param>
/// <param name="Dataset">The dataset each run trains on (its newest version then).</param>
/// <param name="Label">The label column.</param>
/// <param name="Algorithm">auto (default), fasttree, lightgbm, fastforest, linear, lda (linear discriminant analysis, classification only) or kernelridge (kernel ridge regression, regression only).</param>
/// <param name="Parameters">Hyper-parameters, as for training.</param>
/// <param name="Trigger">always (default), newData or drift.</param>
/// <param name="DriftThreshold">For drift: the largest PSI at which a run trains (default 0.2).</param>
/// <param name="Then">none (default), rollout or promoteIfBetter.</param>
/// <param name="Rollout">For then rollout: the rollout spec as PUT /rollout takes it, without candidate.</param>
/// <param name="Task">auto (default), binary, multiclass or regression.</param>
/// <param name="Features">The feature columns to train on (the drift trigger measures these); omit for every usable column except the label.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ScheduleBody(
    string? Every,
    string? Dataset,
    string? Label,
    string? Algorithm = null,
    Dictionary<string, double>? Parameters = null,
    string? Trigger = null,
    double? DriftThreshold = null,
    string? Then = null,
    RolloutBody? Rollout = null,
    string? Task = null,
    List<string>? Features = null) : INamesDataset;
