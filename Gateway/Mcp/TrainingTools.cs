using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Mcp;

/// <summary>MCP tools for training jobs: the same grain calls as <see cref="ModelsApi"/>.</summary>
[McpServerToolType]
public sealed class TrainingTools(IGrainFactory grains, FailoverPolicy failover, TimeProvider time)
{
    /// <summary>
    /// How long one long poll of a waiting <c>train_model</c> may wait for a change: shorter than the failover policy's
    /// stall limit, so a poll lost with a silo is raced by a second one.
    /// </summary>
    internal static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The least time between two progress notifications: a job's stages can change within milliseconds, and clients
    /// may handle notifications that arrive that close together out of order.
    /// </summary>
    internal static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    [RequiresScope(Scopes.Train, Training = true)]
    [McpServerTool(Name = "train_model", Title = "Train a model version", Destructive = false, Idempotent = false, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ModelVersionInfo))]
    [Description("Trains a new version of a model on a dataset (the model is created on its first version). Returns at once with the "
        + "new version number and status 'queued'; training runs in the cluster. With wait: true the call blocks until the job "
        + "ends, sending progress notifications (stage and percent), and returns the final status and held-out metrics. "
        + "If a waiting call is cancelled, the training keeps running: use get_training_status or cancel_training. "
        + "Next: get_training_status until succeeded, then compare_versions, promote_model and predict.")]
    public async Task<CallToolResult> TrainModel(
        RequestContext<CallToolRequestParams> context,
        [Description("Model name: 1-64 ASCII letters, digits, '.', '_' or '-'. A new name creates the model.")] string model,
        [Description("Dataset to train on, as listed by list_datasets.")] string dataset,
        [Description("The column to predict (see describe_dataset).")] string label,
        [AllowedWords<ModelTask>]
        [Description("Prediction task. One of: auto (default: inferred from the label column), binary, multiclass, regression.")] string? task = null,
        [AllowedWords<TrainingAlgorithm>]
        [Description("Learner. One of: auto (default: the learners cross-validated, or a time-boxed search above 10,000 rows; the "
            + "version's search shows how it chose), fasttree, lightgbm, fastforest, linear, lda (linear discriminant analysis: "
            + "classification only, for small numeric data), kernelridge (kernel ridge regression: regression only, for small "
            + "numeric data with smooth curvature). linear, lda and lightgbm are the fastest.")] string? algorithm = null,
        [Description("Dataset version to train on. Omit for the latest.")] int? datasetVersion = null,
        [Description("Feature columns to use. Omit to use every usable column except the label. A column describe_dataset shows as "
            + "ignored is used too when named here, with a warning in the answer (spec.warnings); one with no values is refused.")] string[]? features = null,
        [Description("Hyper-parameters by name: trees, leaves, learningRate, minLeaf, l1, l2, timeBudgetSeconds. Omit for defaults.")] Dictionary<string, double>? parameters = null,
        [Description("Share of rows held out for evaluation, 0 to 0.9. Default 0.2. 0 trains on every labelled row and leaves the version without held-out metrics (check it with evaluate_model on other data).")] double? testFraction = null,
        [Description("Seed of the split and the learners. Default 42.")] int? seed = null,
        [Description("true: block until training ends, with progress notifications. false (default): return at once.")] bool wait = false,
        [Description("Optional id of this request (1-200 printable characters, no spaces). Calling again with the same requestId and the same "
            + "arguments within 24 hours returns the version the first call created instead of training again, so a retry is safe; the same "
            + "requestId with different arguments is refused.")] string? requestId = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        model = ToolArguments.Name(model, "model");
        var request = ToolArguments.Read(() => RequestMapping.ToTrainingRequest(
            dataset, ToolArguments.Version(datasetVersion, "datasetVersion"), label, task, algorithm, features, parameters, testFraction, seed)
            with { IdempotencyKey = requestId });
        var grain = grains.GetGrain<IModelGrain>(model);
        var version = await grain.TrainAsync(request, cancellationToken);
        if (!wait)
        {
            return ToolResults.Structured(version,
                $"Training of model '{model}' version {version.Version} is {Word(version.Status)} ({version.Spec.Dataset} v{version.Spec.DatasetVersion}, label '{version.Spec.Label}'). "
                + $"Call get_training_status with model '{model}' and version {version.Version} to follow it, or train_model with wait: true next time to block until it ends."
                + Warnings(version));
        }

        var done = await WaitAsync(context, version, cancellationToken);
        return ToolResults.Structured(done, Summary(done));
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "get_training_status", Title = "Get a version's training status", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ModelVersionInfo))]
    [Description("Shows one model version: status (queued, running, succeeded, failed, cancelled), stage and progress, held-out metrics, "
        + "the algorithm used and, for auto, how it chose (search: every candidate it scored, best first), timings, the error of a "
        + "failed job, and the input columns predict needs (signature.inputs).")]
    public async Task<CallToolResult> GetTrainingStatus(
        [Description("Model name.")] string model,
        [Description("Version number, as returned by train_model.")] int version)
    {
        model = ToolArguments.Name(model, "model");
        var info = await grains.GetGrain<IModelGrain>(model).GetVersionAsync(ToolArguments.Version(version));
        return ToolResults.Structured(info, Summary(info));
    }

    [RequiresScope(Scopes.Train)]
    [McpServerTool(Name = "cancel_training", Title = "Cancel a training job", Destructive = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(ModelVersionInfo))]
    [Description("Cancels a queued or running training job; the version ends as cancelled and can never serve predictions. "
        + "A job that already ended is returned unchanged.")]
    public async Task<CallToolResult> CancelTraining(
        [Description("Model name.")] string model,
        [Description("Version number of the job to cancel.")] int version)
    {
        model = ToolArguments.Name(model, "model");
        var info = await grains.GetGrain<IModelGrain>(model).CancelAsync(ToolArguments.Version(version));
        return ToolResults.Structured(info, info.Status == TrainingStatus.Cancelled
            ? $"Version {info.Version} of model '{info.Model}' is cancelled. Train a new version with train_model when ready."
            : $"Version {info.Version} of model '{info.Model}' had already ended: {Summary(info)}");
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "list_training_jobs", Title = "List training jobs", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(JobList))]
    [Description("Lists training jobs across every model: the queued and running ones (oldest first) with stage and progress, and the "
        + "most recent finished ones (newest first) with status, metrics and the error of failed jobs.")]
    public async Task<CallToolResult> ListTrainingJobs(
        [Description("How many finished jobs to include, 0 to 100. Default 20.")] int? recent = null)
    {
        if (recent is < 0 or > JobsApi.MaxRecent)
        {
            throw new McpProtocolException($"recent must be 0 to {JobsApi.MaxRecent}; it is {recent}.", McpErrorCode.InvalidParams);
        }

        var jobs = await CatalogQueries.ListJobsAsync(grains, recent ?? 20);
        var active = jobs.Active.IsEmpty
            ? "No job is queued or running."
            : $"{jobs.Active.Length} queued or running: " + string.Join("; ", jobs.Active.Select(j => string.Create(CultureInfo.InvariantCulture,
                $"{j.Model} v{j.Version} {Word(j.Status)} ({j.Stage}, {j.Progress * 100:F0}%)")));
        return ToolResults.Structured(jobs, $"{active} {jobs.Recent.Length} recent outcomes follow in the structured content.");
    }

    internal static string Summary(ModelVersionInfo v) => Status(v) + Warnings(v);

    /// <summary>The spec's warnings (a feature used although inference ignored it), to be read with every status.</summary>
    private static string Warnings(ModelVersionInfo v) =>
        v.Spec.Warnings is { IsEmpty: false } warnings ? $" Warning{(warnings.Length > 1 ? "s" : string.Empty)}: {string.Join(" ", warnings)}" : string.Empty;

    private static string Status(ModelVersionInfo v)
    {
        var name = $"Model '{v.Model}' version {v.Version}";
        return v.Status switch
        {
            TrainingStatus.Succeeded =>
                $"{name} succeeded ({v.Algorithm}; {Metrics(v)}; trained in {v.Timings.TotalMs / 1000:F1} s). {Search(v)}"
                + $"Next: compare_versions against the version production serves, promote_model to serve it, or predict with version {v.Version}.",
            TrainingStatus.Failed => $"{name} failed: {v.Error} Fix the cause and call train_model again.",
            TrainingStatus.Cancelled => $"{name} was cancelled.",
            _ => string.Create(CultureInfo.InvariantCulture,
                $"{name} is {Word(v.Status)} (stage {v.Stage}, {v.Progress * 100:F0}%). Call get_training_status again in a few seconds."),
        };
    }

    private static string Metrics(ModelVersionInfo v) => v.Metrics.IsEmpty
        ? v.Spec.TestFraction == 0 ? "no held-out metrics: every row trained it (testFraction 0); check it with evaluate_model" : "no metrics"
        : string.Join(", ", v.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:G4}")));

    /// <summary>How auto chose, in one sentence: the candidates' scores, best first (the whole record is in the structured content).</summary>
    private static string Search(ModelVersionInfo v) => v.Search is not { } search
        ? string.Empty
        : $"auto chose it by {search.Method}, scoring {search.Objective}: "
          + string.Join(", ", search.Candidates.Select(c => string.Create(CultureInfo.InvariantCulture,
              $"{c.Algorithm} {(c.Score is { } score ? score.ToString("F4", CultureInfo.InvariantCulture) : "not scored")}{(c.Chosen ? " (chosen)" : string.Empty)}")))
          + ". ";

    private static string Word(TrainingStatus status) => EnumWords.Word(status);

    /// <summary>
    /// Follows the version until it ends, sending a progress notification whenever the stage or percent changes. It
    /// long-polls the version grain itself (registered by the train call that returned it), which answers as soon as
    /// anything changes. Cancelling the request ends the wait, not the job.
    /// </summary>
    private async Task<ModelVersionInfo> WaitAsync(
        RequestContext<CallToolRequestParams> context, ModelVersionInfo current, CancellationToken cancellationToken)
    {
        var token = context.Params?.ProgressToken;
        var version = grains.GetModelVersion(current.Model, current.Version);
        (string Stage, int Percent)? reported = null;
        var reportedAt = long.MinValue;
        while (true)
        {
            var now = (current.Stage, (int)Math.Round(current.Progress * 100));
            if (token is { } t && now != reported)
            {
                var since = reportedAt == long.MinValue ? ProgressInterval : time.GetElapsedTime(reportedAt);
                if (since < ProgressInterval)
                {
                    await Task.Delay(ProgressInterval - since, time, cancellationToken);
                }

                reported = now;
                reportedAt = time.GetTimestamp();
                await context.Server.NotifyProgressAsync(t, new ProgressNotificationValue
                {
                    Progress = now.Item2,
                    Total = 100,
                    Message = $"{current.Stage} ({now.Item2}%)",
                }, cancellationToken: cancellationToken);
            }

            if (current.Status.IsTerminal())
            {
                return current;
            }

            var known = current;
            current = await failover.RunAsync(
                () => version.WaitForChangeAsync(known, LongPoll, cancellationToken), "train_model (waiting)", cancellationToken);
        }
    }
}
