using Microsoft.AspNetCore.Mvc;

namespace OrleansMl.Gateway.Security;

/// <summary>ProblemDetails answers written before an endpoint runs (authentication, authorization, limits, origin).</summary>
internal static class Problems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(problem, options: null, contentType: "application/problem+json");
    }
}
