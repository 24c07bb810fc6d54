using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// Writes the ProblemDetails the framework and the gateway's middleware give on the Open Inference Protocol's routes (no
/// route for the path, a method the route does not take, a compressed body, a fault) as the protocol's
/// <c>{"error": "..."}</c>, holding the detail the ProblemDetails would have said. Added before the default writer, which
/// answers everywhere else.
/// </summary>
internal sealed class ProtocolErrorWriter(IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => InferenceProtocolApi.AnswersWithErrorShape(context.HttpContext);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var response = context.HttpContext.Response;
        var problem = context.ProblemDetails;
        problem.Status ??= response.StatusCode;

        // The gateway's own words for the framework's bare statuses (what a 404 or a 405 was about), as on /api.
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var message = problem.Detail ?? problem.Title ?? ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        return new ValueTask(response.WriteAsJsonAsync(new ErrorResponse(message)));
    }
}
