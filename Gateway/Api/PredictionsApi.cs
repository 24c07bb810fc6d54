using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

namespace OrleansMl.Gateway.Api;

/// <summary>REST route for predictions: <c>/api/models/{name}/predict</c>.</summary>
public static class PredictionsApi
{
    public static IEndpointRouteBuilder MapPredictionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/models/{name}/predict", PredictAsync)
            .WithTags("Predictions")
            .WithSummary("Predict with a model")
            .WithDescription($"Without version or alias, the '{ModelAliases.Production}' alias is used if set, else the newest succeeded version. Labels come back in the label column's own values.")
            .WithRequestExample("application/json", """{"rows":[{"tenure_months":2,"monthly_charges":95.5,"contract":"month-to-month","internet":"fiber","support_calls":5,"paperless":"yes"}]}""")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .RequireScope(Scopes.Predict)
            .AddEndpointFilter<FailoverFilter>();
        return app;
    }

    internal static async Task<Ok<PredictionResult>> PredictAsync(
        string name, PredictBody body, IGrainFactory grains, IOptions<OrleansMlOptions> options, CancellationToken cancellationToken)
    {
        Names.Validate(name, "model");
        var request = new PredictionRequest(RequestMapping.ToRows(body.Rows, options.Value.MaxPredictionRows), body.Version, body.Alias);
        return TypedResults.Ok(await grains.GetGrain<IPredictorGrain>(name).PredictAsync(request, cancellationToken));
    }
}

/// <summary>Rows to score.</summary>
/// <param name="Rows">Objects of column name to value.</param>
/// <param name="Version">A specific version (wins over alias).</param>
/// <param name="Alias">An alias such as production or staging.</param>
public sealed record PredictBody(List<Dictionary<string, JsonElement>>? Rows, int? Version = null, string? Alias = null);
