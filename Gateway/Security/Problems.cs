using Microsoft.AspNetCore.Mvc;
using OrleansMl.Gateway.Api;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// ProblemDetails answers written before an endpoint runs (authentication, authorization, limits, origin). On the Open
/// Inference Protocol's routes the same detail is the protocol's <c>{"error": "..."}</c> instead, as its clients read it.
/// </summary>
internal static class Problems
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        context.Response.StatusCode = status;
        if (InferenceProtocolApi.AnswersWithErrorShape(context))
        {
            await context.Response.WriteAsJsonAsync(new ErrorResponse(detail));
            return;
        }

        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        // Through the problem details service, as every other error is written, so these carry the same type and traceId.
        if (context.RequestServices.GetService<IProblemDetailsService>() is { } service
            && await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }))
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(problem, options: null, contentType: "application/problem+json");
    }
}
