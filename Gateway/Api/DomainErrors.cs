namespace OrleansMl.Gateway.Api;

/// <summary>
/// The one mapping from domain errors to what clients see: an HTTP status and title for REST, and for MCP a
/// tool-error text that says what was wrong and which tool fixes it.
/// </summary>
public static class DomainErrors
{
    /// <summary>What a 503 asks the client to wait before trying again (the <c>Retry-After</c> header, in seconds).</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>
    /// The <c>Retry-After</c> an error's answer carries, in seconds: a full training queue's own wait, and
    /// <see cref="RetryAfterSeconds"/> for any 503 (the storage did not take a change); null for the rest.
    /// </summary>
    public static int? RetryAfter(int status, Exception exception) => exception switch
    {
        TrainingQueueFullException full => full.RetryAfterSeconds,
        _ when status == StatusCodes.Status503ServiceUnavailable => RetryAfterSeconds,
        _ => null,
    };

    /// <summary>
    /// Sets the <c>Retry-After</c> header of an error's answer (<see cref="RetryAfter"/>), whichever shape its body
    /// takes: ProblemDetails on <c>/api</c>, the protocol's <c>{"error": ...}</c> on <c>/v2</c>.
    /// </summary>
    public static void SetRetryAfter(HttpResponse response, int status, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (RetryAfter(status, exception) is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public static (int Status, string Title) Describe(OrleansMlException exception) => exception switch
    {
        DatasetNotFoundException => (StatusCodes.Status404NotFound, "Dataset not found"),
        ModelNotFoundException => (StatusCodes.Status404NotFound, "Model not found"),
        ModelVersionNotFoundException => (StatusCodes.Status404NotFound, "Model version not found"),
        AliasNotFoundException => (StatusCodes.Status404NotFound, "Alias not found"),
        FeatureSetNotFoundException => (StatusCodes.Status404NotFound, "Feature set not found"),
        InvalidFeatureSetException => (StatusCodes.Status400BadRequest, "Invalid feature set"),
        InvalidFeatureValuesException => (StatusCodes.Status400BadRequest, "Invalid feature values"),
        InvalidDatasetException => (StatusCodes.Status400BadRequest, "Invalid dataset"),
        InvalidTrainingRequestException => (StatusCodes.Status400BadRequest, "Invalid training request"),
        InvalidPredictionInputException => (StatusCodes.Status400BadRequest, "Invalid prediction input"),
        InvalidNameException => (StatusCodes.Status400BadRequest, "Invalid name"),
        InvalidVersionNumberException => (StatusCodes.Status400BadRequest, "Invalid version number"),
        VersionNotReadyException => (StatusCodes.Status409Conflict, "Version not ready"),
        RollbackUnavailableException => (StatusCodes.Status409Conflict, "Nothing to roll back to"),
        PayloadTooLargeException => (StatusCodes.Status413PayloadTooLarge, "Payload too large"),
        ApiKeyNotFoundException => (StatusCodes.Status404NotFound, "API key not found"),
        InvalidApiKeyRequestException => (StatusCodes.Status400BadRequest, "Invalid key request"),
        InvalidAuditQueryException => (StatusCodes.Status400BadRequest, "Invalid audit query"),
        InvalidAliasChangeException => (StatusCodes.Status400BadRequest, "Invalid alias change"),
        InvalidEvaluationRequestException => (StatusCodes.Status400BadRequest, "Invalid evaluation request"),
        InvalidDriftRequestException => (StatusCodes.Status400BadRequest, "Invalid drift request"),
        InvalidListRequestException => (StatusCodes.Status400BadRequest, "Invalid listing request"),
        IdempotencyConflictException => (StatusCodes.Status409Conflict, "Idempotency key reused"),
        VersionInUseException => (StatusCodes.Status409Conflict, "Version in use"),
        TooManyAliasesException => (StatusCodes.Status409Conflict, "Too many aliases"),
        AliasInUseException => (StatusCodes.Status409Conflict, "Alias in use"),
        TrainingQueueFullException => (StatusCodes.Status429TooManyRequests, "Training queue full"),
        InsufficientStorageException => (StatusCodes.Status507InsufficientStorage, "Insufficient storage"),
        StorageUnavailableException => (StatusCodes.Status503ServiceUnavailable, "Storage unavailable"),
        InvalidFeedbackException => (StatusCodes.Status400BadRequest, "Invalid feedback"),
        InvalidRolloutException => (StatusCodes.Status400BadRequest, "Invalid rollout or guard"),
        RolloutNotFoundException => (StatusCodes.Status404NotFound, "Rollout not found"),
        RolloutInProgressException => (StatusCodes.Status409Conflict, "Rollout in progress"),
        InvalidScheduleException => (StatusCodes.Status400BadRequest, "Invalid schedule"),
        ScheduleNotFoundException => (StatusCodes.Status404NotFound, "Schedule not found"),
        NameAccessDeniedException => (StatusCodes.Status403Forbidden, "Forbidden"),
        _ => (StatusCodes.Status400BadRequest, "Bad request"),
    };

    /// <summary>The MCP tool-error text: the title, the domain message, and the next call that helps (with the tool the error came from).</summary>
    public static string ToolText(OrleansMlException exception, string? tool = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var hint = exception switch
        {
            DatasetNotFoundException => "Call list_datasets to see the datasets and their versions, or create_dataset to upload one.",
            ModelNotFoundException => "Call list_models to see the models, or train_model to create one.",
            ModelVersionNotFoundException => "Call describe_model to see the model's versions.",
            FeatureSetNotFoundException => "Call list_feature_sets to see the feature sets; a new one is defined with PUT /api/features/{set}.",
            NameAccessDeniedException => "Use only the names your key is limited to.",
            InvalidFeatureSetException => "Fix the fields named and send the definition again.",
            InvalidFeatureValuesException => "Read the feature set's definition (GET /api/features/{set}) for its value names, kinds and aggregate columns.",
            AliasNotFoundException => "Call describe_model to see the aliases, or promote_model to create this one.",
            InvalidDatasetException when tool == "append_rows" =>
                "Call describe_dataset to see the dataset's columns and their kinds, fix the rows named and call append_rows again.",
            InvalidDatasetException => "Fix the CSV (one header row, the same number of fields on every line, comma-separated) and call create_dataset again.",
            InvalidTrainingRequestException => "Call describe_dataset to see the columns and their kinds, then call train_model again.",
            InvalidPredictionInputException => "Call get_training_status for the version: signature.inputs lists the columns and kinds each row needs.",
            InvalidNameException => "Names are 1-64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.",
            InvalidVersionNumberException => "Call describe_model (or describe_dataset) to see the version numbers.",
            VersionNotReadyException => "Call get_training_status (or train_model with wait: true) and use a version whose status is succeeded.",
            RollbackUnavailableException => "Call describe_model to see the alias history; promote_model points the alias at any succeeded version.",
            PayloadTooLargeException => "Send less data per call.",
            InvalidFeedbackException => "Send {items: [{predictionId, actual}]} with the predictionId each prediction came with.",
            InvalidRolloutException => "Call describe_model to see the succeeded versions and aliases, and get_rollout for a rollout already running.",
            RolloutNotFoundException => "Call start_rollout to start one.",
            RolloutInProgressException => "Call get_rollout to follow it; abort_rollout ends it and leaves the alias on its baseline, after which the alias can be moved.",
            InvalidScheduleException => "Fix the argument named and call set_schedule again; describe_dataset shows the columns, describe_model the aliases.",
            ScheduleNotFoundException => "Call set_schedule to set one.",
            InvalidAliasChangeException => "Shorten the reason and call the tool again.",
            InvalidEvaluationRequestException => "Call describe_dataset and get_training_status: the dataset needs the label and every input column in signature.inputs, with the same kinds.",
            InvalidDriftRequestException => "Call describe_dataset to see the dataset's versions, and compare two different live versions.",
            InvalidListRequestException when tool == "describe_dataset" => "Pass sampleRows from 0 to 10, or omit it for 5.",
            InvalidListRequestException => $"Call {tool ?? "the list tool"} again without cursor for the first page, then pass each answer's nextCursor.",
            IdempotencyConflictException => "Use a new requestId for a different training request, or send the same arguments again.",
            VersionInUseException => "Call describe_model (or describe_dataset) to see what uses it; move aliases away (or remove_alias them) or delete the model versions trained on it first.",
            TooManyAliasesException => "Call describe_model to see the aliases and promote an existing one instead, or remove_alias one that is no longer used.",
            AliasInUseException => "Call get_schedule to see the schedule's rollout; set_schedule with another rolloutAlias, or delete_schedule, then call remove_alias again.",
            TrainingQueueFullException q => $"Wait {q.RetryAfterSeconds} seconds or so, or until get_training_status shows a queued version has ended, then call train_model again.",
            InsufficientStorageException => "Delete versions that are no longer needed (delete_model_version, delete_dataset_version), then try again.",
            StorageUnavailableException => $"The change was not made; call the same tool again in {RetryAfterSeconds} seconds or so.",
            _ => null,
        };
        var (_, title) = Describe(exception);
        return hint is null ? $"{title}: {exception.Message}" : $"{title}: {exception.Message} {hint}";
    }
}
