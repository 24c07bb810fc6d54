using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Gateway.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using System.Text.Json.Serialization;

namespace OrleansMl.Gateway.Api;

/// <summary>REST routes for models, versions, training and aliases: <c>/api/models</c>.</summary>
public static class ModelsApi
{
    /// <summary>The header that makes a training (or an append of rows) safe to send again.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Models").RequireScope(Scopes.Read)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{name}/train", TrainAsync)
            .WithSummary("Train a new model version")
            .WithDescription($"Returns at once (202) with the new version, status 'queued'; follow it with GET /api/models/{{name}}/versions/{{version}}. task: {RequestMapping.TaskValues}. algorithm: {RequestMapping.AlgorithmValues}.")
            .WithRequestExample("application/json", """{"dataset":"churn","label":"churned","algorithm":"lightgbm","parameters":{"trees":200,"leaves":31},"testFraction":0.2,"seed":42}""")
            .RequireScope(Scopes.Train, training: true)
            .WithDatasetAccess()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("/", ListAsync)
            .WithSummary("List models with their version count and aliases, a page at a time")
            .WithDescription($"limit: 1 to {CatalogIndex.MaxPageSize} (default {CatalogIndex.DefaultPageSize}); cursor: the nextCursor of the previous page. Sorted by name.")
            .AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}", GetAsync).WithSummary("A model: versions, aliases and alias history").AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}/versions/{version}", GetVersionAsync)
            .WithSummary("One version: status, progress, metrics, spec, timings, error, input schema")
            .WithDescription($"status: {EnumWords.List<TrainingStatus>()}; a version ends succeeded, failed or cancelled.")
            .AddEndpointFilter<FailoverFilter>();
        group.MapDelete("/{name}/versions/{version}", DeleteVersionAsync)
            .WithSummary("Delete a model version")
            .WithDescription("The version is no longer listed, read or served, its number is never given again, and its model file is removed from the artifact store once nothing else references the same content. 409 while an alias points at it or returns to it on rollback, or while its job is queued or running (cancel it first).")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Train)
            .AddEndpointFilter<FailoverFilter>();
        group.MapPost("/{name}/versions/{version}/cancel", CancelAsync).WithSummary("Cancel a queued or running training job").RequireScope(Scopes.Train).AddEndpointFilter<FailoverFilter>();
        group.MapPost("/{name}/versions/{version}/evaluate", EvaluateAsync)
            .WithSummary("A version's metrics on another dataset version")
            .WithDescription("Scores every row of the dataset version (default: latest) and computes the metrics training reports, the same way, beside the version's own held-out metrics. Rows without a label, or with a class the model never saw, are counted and left out. Runs on a training slot; answers when done.")
            .WithRequestExample("application/json", """{"dataset":"churn-december","datasetVersion":1}""")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Read)
            .WithDatasetAccess()
            .AddEndpointFilter<FailoverFilter>();
        group.MapGet("/{name}/compare/{baseline}/{candidate}", CompareAsync)
            .WithSummary("Two versions' metrics side by side")
            .WithDescription("Names the better version per metric (lower is better for logLoss, rmse, mae) and overall by the task's primary metric (auc, macroAccuracy or rmse).")
            .AddEndpointFilter<FailoverFilter>();
        group.MapPut("/{name}/aliases/{alias}", SetAliasAsync)
            .WithSummary("Point an alias (e.g. production) at a succeeded version")
            .WithRequestExample("application/json", """{"version":2,"reason":"auc 0.91 vs 0.88"}""")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Deploy)
            .AddEndpointFilter<FailoverFilter>();
        group.MapPost("/{name}/aliases/{alias}/rollback", RollbackAsync)
            .WithSummary("Move an alias back to the version it held before")
            .WithRequestExample("application/json", """{"reason":"more false positives in production"}""")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Deploy);
        group.MapDelete("/{name}/aliases/{alias}", RemoveAliasAsync)
            .WithSummary("Remove an alias, with its rollback stack and guard")
            .WithDescription($"The removal is recorded in the alias history (action 'remove') and the audit log, and every silo stops routing the alias before the answer: a prediction through it is a 404. Removing '{ModelAliases.Production}' makes predictions that name neither a version nor an alias use the newest succeeded version. A second removal is a 404. 409 while a rollout runs on the alias or the model's schedule rolls out against it. {ReasonBody.Description}")
            .WithRequestExample("application/json", """{"reason":"the staging alias is retired"}""")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireScope(Scopes.Deploy);
        return app;
    }

    internal static async Task<Accepted<ModelVersionInfo>> TrainAsync(
        string name, TrainModelBody body, IGrainFactory grains, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, HttpRequest http,
        CancellationToken cancellationToken)
    {
        Names.Validate(name, "model");
        if (IdempotencyKeys.HeaderProblem(http.Headers[IdempotencyKeyHeader]) is { } problem)
        {
            throw new InvalidTrainingRequestException(problem);
        }

        var request = RequestMapping.ToTrainingRequest(
            body.Dataset, body.DatasetVersion, body.Label, body.Task, body.Algorithm, body.Features, body.Parameters, body.TestFraction, body.Seed)
            with { IdempotencyKey = idempotencyKey };
        var version = await grains.GetGrain<IModelGrain>(name).TrainAsync(request, cancellationToken);
        return TypedResults.Accepted($"/api/models/{name}/versions/{version.Version}", version);
    }

    internal static async Task<Ok<ModelList>> ListAsync(IGrainFactory grains, int? limit, string? cursor) =>
        TypedResults.Ok(await CatalogQueries.ListModelsAsync(grains, limit, cursor));

    internal static async Task<NoContent> DeleteVersionAsync(string name, int version, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        VersionNumbers.Validate(version, "version");
        await grains.GetGrain<IModelGrain>(name).DeleteVersionAsync(version);
        return TypedResults.NoContent();
    }

    internal static async Task<Ok<ModelInfo>> GetAsync(string name, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        return TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).GetAsync());
    }

    internal static async Task<Ok<ModelVersionInfo>> GetVersionAsync(string name, int version, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        VersionNumbers.Validate(version, "version");
        return TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).GetVersionAsync(version));
    }

    internal static async Task<Ok<VersionComparison>> CompareAsync(string name, int baseline, int candidate, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        VersionNumbers.Validate(baseline, "baseline");
        VersionNumbers.Validate(candidate, "candidate");
        var model = grains.GetGrain<IModelGrain>(name);
        return TypedResults.Ok(VersionComparison.Compare(await model.GetVersionAsync(baseline), await model.GetVersionAsync(candidate)));
    }

    internal static async Task<Ok<ModelEvaluation>> EvaluateAsync(
        string name, int version, EvaluateBody body, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok(await CatalogQueries.EvaluateAsync(grains, name, version, body.Dataset, body.DatasetVersion, cancellationToken));

    internal static async Task<Ok<ModelVersionInfo>> CancelAsync(string name, int version, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        VersionNumbers.Validate(version, "version");
        return TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).CancelAsync(version));
    }

    internal static async Task<Results<Ok<AliasInfo>, ValidationProblem>> SetAliasAsync(string name, string alias, SetAliasBody body, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        if (body.Version is not { } version)
        {
            const string missing = "version is required: the number of the succeeded version the alias should point to.";
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["version"] = [missing] }, detail: missing, title: "Invalid alias change");
        }

        return TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).SetAliasAsync(alias, VersionNumbers.Validate(version, "version"), body.Reason));
    }

    internal static async Task<Results<Ok<RemovedAlias>, ValidationProblem>> RemoveAliasAsync(
        string name, string alias, IGrainFactory grains, string? reason = null,
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] ReasonBody? body = null)
    {
        Names.Validate(name, "model");
        Names.Validate(alias, "alias");
        var (why, problem) = ReasonBody.Resolve(reason, body);
        return problem is not null ? problem : TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).RemoveAliasAsync(alias, why));
    }

    internal static async Task<Ok<AliasInfo>> RollbackAsync(string name, string alias, IGrainFactory grains, RollbackBody? body = null)
    {
        Names.Validate(name, "model");
        return TypedResults.Ok(await grains.GetGrain<IModelGrain>(name).RollbackAliasAsync(alias, body?.Reason));
    }
}

/// <summary>A training request.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="DatasetVersion">Dataset version (default: latest).</param>
/// <param name="Label">Column to predict.</param>
/// <param name="Task">auto (default), binary, multiclass or regression.</param>
/// <param name="Algorithm">auto (default), fasttree, lightgbm, fastforest, linear, lda (linear discriminant analysis, classification only) or kernelridge (kernel ridge regression, regression only).</param>
/// <param name="Features">Columns to use (default: every usable column but the label). A column inferred as ignored is used when named here, with a warning in the version's spec.warnings; one with no values is refused.</param>
/// <param name="Parameters">Hyper-parameters: trees, leaves, learningRate, minLeaf, l1, l2, timeBudgetSeconds.</param>
/// <param name="TestFraction">Held-out share for evaluation, 0 to 0.9 (default 0.2); 0 trains on every labelled row, with no held-out metrics.</param>
/// <param name="Seed">Seed of the split and learners (default 42).</param>
// Every request body refuses a field it does not take (a 400 naming it) instead of ignoring it: a misspelt "testFracton"
// would otherwise train with the default fraction, and the caller would never know.
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TrainModelBody(
    string? Dataset,
    string? Label,
    int? DatasetVersion = null,
    string? Task = null,
    string? Algorithm = null,
    string[]? Features = null,
    Dictionary<string, double>? Parameters = null,
    double? TestFraction = null,
    int? Seed = null) : INamesDataset;

/// <summary>The data to evaluate a version on.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="DatasetVersion">Dataset version (default: latest).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record EvaluateBody(string? Dataset, int? DatasetVersion = null) : INamesDataset;

/// <summary>A request body that names a dataset, which the caller's name patterns must allow as well as the route's model.</summary>
public interface INamesDataset
{
    /// <summary>The dataset the request reads.</summary>
    string? Dataset { get; }
}

/// <summary>Which version an alias should point to.</summary>
/// <param name="Version">A succeeded version.</param>
/// <param name="Reason">Why, recorded in the alias history.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SetAliasBody(int? Version, string? Reason = null);

/// <summary>Why an alias is rolled back.</summary>
/// <param name="Reason">Recorded in the alias history.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RollbackBody(string? Reason = null);

/// <summary>A page of models with their version count and aliases.</summary>
/// <param name="Models">Sorted by name.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; absent on the last page.</param>
public sealed record ModelList(ImmutableArray<ModelSummary> Models, string? NextCursor = null);
