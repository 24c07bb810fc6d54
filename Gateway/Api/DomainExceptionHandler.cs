using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

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
            JsonException json => (StatusCodes.Status400BadRequest, "Malformed JSON", json.Message),
            _ => (StatusCodes.Status500InternalServerError, "Internal error", "The request failed unexpectedly; the error has been logged."),
        };

        if (status >= 500 && exception is not OrleansMlException)
        {
            LogUnhandled(logger, exception, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = DomainErrors.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (exception is TrainingQueueFullException full)
        {
            httpContext.Response.Headers.RetryAfter = full.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static (int, string, string) Describe(OrleansMlException exception)
    {
        var (status, title) = DomainErrors.Describe(exception);
        return (status, title, exception.Message);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, PathString path);
}
