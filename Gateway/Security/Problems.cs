using Microsoft.AspNetCore.Mvc;
using OrleansMl.Gateway.Api;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// ProblemDetails answers written before an endpoint runs (authentication, authorization, limits, origin). On the Open
/// Inference Protocol's routes the same detail is the protocol's <c>{"error": "..."}</c> instead, as its clients read it.
/// </summary>
internal static class Problems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        context.Response.StatusCode = status;
        if (InferenceProtocolApi.AnswersWithErrorShape(context))
        {
            return context.Response.WriteAsJsonAsync(new ErrorResponse(detail));
        }

        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        return context.Response.WriteAsJsonAsync(problem, options: null, contentType: "application/problem+json");
    }
}
