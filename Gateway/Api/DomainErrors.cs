namespace OrleansMl.Gateway.Api;

/// <summary>The one mapping from domain errors to HTTP statuses and titles, shared by REST and MCP.</summary>
public static class DomainErrors
{
    public static (int Status, string Title) Describe(OrleansMlException exception) => exception switch
    {
        DatasetNotFoundException => (StatusCodes.Status404NotFound, "Dataset not found"),
        ModelNotFoundException => (StatusCodes.Status404NotFound, "Model not found"),
        ModelVersionNotFoundException => (StatusCodes.Status404NotFound, "Model version not found"),
        AliasNotFoundException => (StatusCodes.Status404NotFound, "Alias not found"),
        InvalidDatasetException => (StatusCodes.Status400BadRequest, "Invalid dataset"),
        InvalidTrainingRequestException => (StatusCodes.Status400BadRequest, "Invalid training request"),
        InvalidPredictionInputException => (StatusCodes.Status400BadRequest, "Invalid prediction input"),
        InvalidNameException => (StatusCodes.Status400BadRequest, "Invalid name"),
        VersionNotReadyException => (StatusCodes.Status409Conflict, "Version not ready"),
        RollbackUnavailableException => (StatusCodes.Status409Conflict, "Nothing to roll back to"),
        PayloadTooLargeException => (StatusCodes.Status413PayloadTooLarge, "Payload too large"),
        _ => (StatusCodes.Status400BadRequest, "Bad request"),
    };
}
