using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace OrleansMl.Gateway.Api;

/// <summary>Turns domain errors and malformed requests into ProblemDetails; anything else is a 500 without internals.</summary>
public sealed partial class DomainExceptionHandler(IProblemDetailsService problems, ILogger<DomainExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (status, title, detail) = exception switch
        {
            OrleansMlException domain => Describe(domain),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (StatusCodes.Status413PayloadTooLarge, "Payload too large", BodyLimits.Describe(httpContext)),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", BindingProblems.Describe(httpContext, bad)),
            JsonException json => (StatusCodes.Status400BadRequest, "Malformed JSON", WithoutTypeNames(json)),
            _ => (StatusCodes.Status500InternalServerError, "Internal error", "The request failed unexpectedly; the error has been logged."),
        };

        if (status >= 500 && exception is not OrleansMlException)
        {
            LogUnhandled(logger, exception, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        DomainErrors.SetRetryAfter(httpContext.Response, status, exception);

        // A refused version number is a validation problem: its errors name the field, as a missing alias version does.
        var problem = exception is InvalidVersionNumberException invalid
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [invalid.Field] = [invalid.Message] })
            : new ProblemDetails();
        problem.Status = status;
        problem.Title = title;
        problem.Detail = detail;

        // On the Open Inference Protocol's routes the service's first writer answers {"error": detail} (ProtocolErrorWriter).
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }

    private static (int, string, string) Describe(OrleansMlException exception)
    {
        var (status, title) = DomainErrors.Describe(exception);
        return (status, title, exception.Message);
    }

    /// <summary>
    /// The message of a <see cref="JsonException"/> that reached no binder of ours (a library read the body, e.g. the MCP
    /// SDK an <c>initialize</c> request), with the .NET types it names left out: what is missing or mistyped, and where.
    /// </summary>
    internal static string WithoutTypeNames(JsonException json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var message = MissingProperties().Replace(json.Message, "The JSON object is missing required properties:");
        return NotConverted().Replace(message, "The JSON value at ${path} is not of the type it must be.");
    }

    [GeneratedRegex(@"JSON deserialization for type '[^']*' was missing required properties(?: including)?:")]
    private static partial Regex MissingProperties();

    [GeneratedRegex(@"The JSON value could not be converted to \S+?\. Path: (?<path>\S+)(?: \| LineNumber: \d+ \| BytePositionInLine: \d+\.)?")]
    private static partial Regex NotConverted();

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, PathString path);
}
