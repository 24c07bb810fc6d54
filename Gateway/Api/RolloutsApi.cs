using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using OrleansMl.Gateway.Security;
using System.Text.Json.Serialization;

namespace OrleansMl.Gateway.Api;

/// <summary>REST routes for a model's rollout and alias guards: <c>/api/models/{name}/rollout</c>, <c>/api/models/{name}/aliases/{alias}/guard</c>.</summary>
public static class RolloutsApi
{
    public static IEndpointRouteBuilder MapRolloutsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Rollouts")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{name}/rollout", StartAsync)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Start a canary or shadow rollout of a version against the version an alias points at")
            .WithDescription("Canary: weight% of the alias's requests go to the candidate (by the hash of the stickyBy column's value when given), advancing through steps while the guard holds, promoted at 100. Shadow: the baseline answers; the candidate scores the same rows off the request path. guard.metric: accuracy, auc (maxDrop against the baseline), rmse, mae (maxDrop against the baseline, or max), errorRate, p99 (max), one the task measures (auc for binary models only, rmse and mae for regressions only); stickyBy: a column both versions take as input, or their label.")
            .WithRequestExample("application/json", """{"candidate":3,"alias":"production","mode":"canary","weight":10,"steps":[10,50,100],"stepAfter":{"samples":200,"duration":"00:05:00"},"stickyBy":"customer_id","guard":{"metric":"accuracy","maxDrop":0.02,"minSamples":200}}""")
            .RequireScope(Scopes.Deploy);
        group.MapGet("/{name}/rollout", GetAsync)
            .WithSummary("The current or last rollout: state, weight, per-arm health and its decisions with their numbers")
            .RequireScope(Scopes.Read)
            .AddEndpointFilter<FailoverFilter>();
        group.MapDelete("/{name}/rollout", AbortAsync)
            .WithSummary("Abort the running rollout: all traffic returns to the baseline")
            .WithDescription($"The rollout ends as aborted and the alias stays on the baseline; the reason is recorded with the abort decision and in the audit log. {ReasonBody.Description}")
            .WithRequestExample("application/json", """{"reason":"latency regression in the canary"}""")
            .RequireScope(Scopes.Deploy);
        group.MapPut("/{name}/aliases/{alias}/guard", SetGuardAsync)
            .WithSummary("Guard an alias: if the version it points at does worse than the one before, the alias rolls back by itself")
            .WithDescription("The version's live metric since its promotion is checked against the previous version's over the last hour; a breach rolls the alias back with the numbers in its history and removes the guard.")
            .WithRequestExample("application/json", """{"metric":"accuracy","maxDrop":0.02,"minSamples":200}""")
            .RequireScope(Scopes.Deploy);
        group.MapDelete("/{name}/aliases/{alias}/guard", RemoveGuardAsync)
            .WithSummary("Remove an alias's guard")
            .RequireScope(Scopes.Deploy);
        return app;
    }

    internal static async Task<Ok<AliasGuardInfo>> SetGuardAsync(string name, string alias, GuardBody body, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        Names.Validate(alias, "alias");
        return TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).SetAliasGuardAsync(alias, ToGuard(body)
            ?? throw new InvalidRolloutException("A guard is required: {\"metric\": \"accuracy\", \"maxDrop\": 0.02, \"minSamples\": 200}.")));
    }

    internal static async Task<Ok<AliasGuardInfo>> RemoveGuardAsync(string name, string alias, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        Names.Validate(alias, "alias");
        return TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).RemoveAliasGuardAsync(alias));
    }

    /// <summary>The guard of a body, or null without one.</summary>
    public static RolloutGuard? ToGuard(GuardBody? body) => body is null
        ? null
        : new RolloutGuard(
            body.Metric ?? throw new InvalidRolloutException("guard.metric is required: accuracy, auc, rmse, mae, errorRate or p99."),
            body.MaxDrop, body.Max, body.MinSamples ?? 100);

    internal static async Task<Ok<RolloutInfo>> StartAsync(string name, RolloutBody body, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        return TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).StartRolloutAsync(ToRequest(body)));
    }

    internal static async Task<Ok<RolloutInfo>> GetAsync(string name, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        return TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).GetRolloutAsync());
    }

    internal static async Task<Results<Ok<RolloutInfo>, ValidationProblem>> AbortAsync(
        string name, IGrainFactory grains, string? reason = null, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] ReasonBody? body = null)
    {
        Names.Validate(name, "model");
        var (why, problem) = ReasonBody.Resolve(reason, body);
        return problem is not null ? problem : TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).AbortRolloutAsync(why));
    }

    /// <summary>The grain request from the body; what cannot be a rollout at all is refused here.</summary>
    public static RolloutRequest ToRequest(RolloutBody? body)
    {
        if (body?.Candidate is not { } candidate)
        {
            throw new InvalidRolloutException("candidate is required: the number of the succeeded version to roll out.");
        }

        VersionNumbers.Validate(candidate, "candidate");

        var mode = RolloutMode.Canary;
        if (body.Mode is { } word && !EnumWords.TryParse(word, out mode))
        {
            throw new InvalidRolloutException($"mode '{Names.Shown(word)}' is not one of {EnumWords.List<RolloutMode>()}.");
        }

        if (body.Steps is [])
        {
            throw new InvalidRolloutException("steps is empty: give the weights to advance through, ending at 100, or omit it for [10, 50, 100].");
        }

        var guard = ToGuard(body.Guard);

        return new RolloutRequest(
            candidate, body.Alias is null ? null : Names.Validate(body.Alias, "alias"), mode, body.Weight,
            body.Steps is null ? default : [.. body.Steps],
            body.StepAfter is { } after ? new RolloutStepAfter(after.Samples, after.Duration) : null,
            body.StickyBy, guard);
    }
}

/// <summary>A rollout to start.</summary>
/// <param name="Candidate">The succeeded version to roll out.</param>
/// <param name="Alias">The alias whose traffic is split (default production).</param>
/// <param name="Mode">canary (default) or shadow.</param>
/// <param name="Weight">Percent of the alias's requests the candidate answers at first (default: the first step).</param>
/// <param name="Steps">Weights to advance through, ending at 100 (default [10, 50, 100]).</param>
/// <param name="StepAfter">When to advance: {samples, duration} (default: 1 minute).</param>
/// <param name="StickyBy">A column whose value picks the arm.</param>
/// <param name="Guard">{metric, maxDrop or max, minSamples}: what rolls the candidate back.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RolloutBody(
    int? Candidate,
    string? Alias = null,
    string? Mode = null,
    int? Weight = null,
    int[]? Steps = null,
    StepAfterBody? StepAfter = null,
    string? StickyBy = null,
    GuardBody? Guard = null);

/// <summary>When a canary advances.</summary>
/// <param name="Samples">Candidate requests (labelled predictions for a feedback guard) in the step.</param>
/// <param name="Duration">Time in the step, e.g. "00:05:00".</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record StepAfterBody(long? Samples = null, TimeSpan? Duration = null);

/// <summary>What rolls a candidate back.</summary>
/// <param name="Metric">accuracy, auc, rmse, mae, errorRate or p99.</param>
/// <param name="MaxDrop">How far the candidate may fall behind the baseline (accuracy, auc, rmse, mae).</param>
/// <param name="Max">The highest value allowed (errorRate as a share, p99 in milliseconds, rmse, mae).</param>
/// <param name="MinSamples">Samples before the guard is checked (default 100).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record GuardBody(string? Metric, double? MaxDrop = null, double? Max = null, int? MinSamples = null);
