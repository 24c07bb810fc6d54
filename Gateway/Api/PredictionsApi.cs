using System.Buffers;
using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansMl.Features;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;
using System.Text.Json.Serialization;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// REST route for predictions: <c>/api/models/{name}/predict</c>. The hot path of the gateway: the body is read straight
/// into a <see cref="PredictionBatch"/>, scored under the failover policy by one grain call
/// (<see cref="IPredictorGrain.PredictBatchAsync"/>), or on the request's thread where the gateway hosts its silo
/// (<see cref="Predictors"/>), and the answer's arrays are written as JSON; no dictionary or object per row on the way.
/// </summary>
public static class PredictionsApi
{
    public static IEndpointRouteBuilder MapPredictionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/models/{name}/predict", PredictAsync)
            .WithTags("Predictions")
            .WithSummary("Predict with a model")
            .WithDescription($"Give version or alias, not both. Without either, the '{ModelAliases.Production}' alias is used if set, else the newest succeeded version. Labels come back in the label column's own values. "
                + "features: feature sets to join (an enriched prediction): each row must carry the set's key column; the set's values and aggregates the model takes are added to the row "
                + "(a value the row carries wins). A value that is missing or older than the set's ttl uses the feature's default, else the request is a 400 naming the feature and the key.")
            .Accepts<PredictBody>("application/json")
            .WithRequestExample("application/json", """{"rows":[{"tenure_months":2,"monthly_charges":95.5,"contract":"month-to-month","internet":"fiber","support_calls":5,"paperless":"yes"}]}""")
            .Produces<PredictionResult>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .RequireScope(Scopes.Predict);
        return app;
    }

    internal static async Task<PredictionResponse> PredictAsync(
        string name, HttpContext http, Predictors predictors, FailoverPolicy failover, IOptions<OrleansMlOptions> options)
    {
        Names.Validate(name, "model");
        var model = predictors.Get(name);
        PredictionBatch batch;
        ImmutableArray<string> features;
        using (var body = await RequestBody.ReadJsonAsync(http))
        {
            batch = PredictionRowsReader.ReadBody(body.Memory, model, options.Value.MaxPredictionRows, out features);
        }

        if (!features.IsDefault)
        {
            // An enriched prediction: the predictor joins the rows with the feature sets on its silo, in the same call.
            FeatureJoin.Validate(features);
            foreach (var set in features)
            {
                NameVisibility.Demand(set);
            }
            return new PredictionResponse(await failover.RunAsync(
                static call => call.Predictor.PredictEnrichedAsync(call.Batch, call.Features),
                (Predictor: model, Batch: batch, Features: features, Model: name),
                static call => $"POST /api/models/{call.Model}/predict",
                http.RequestAborted));
        }

        var result = await failover.RunAsync(
            static call => call.Predictor.PredictBatchAsync(call.Batch),
            (Predictor: model, Batch: batch, Model: name),
            static call => $"POST /api/models/{call.Model}/predict",
            http.RequestAborted);
        return new PredictionResponse(result);
    }
}

/// <summary>Rows to score (the documented shape of the body; the route reads it with <see cref="PredictionRowsReader"/>).</summary>
/// <param name="Rows">Objects of column name to value.</param>
/// <param name="Version">A specific version (not with alias).</param>
/// <param name="Alias">An alias such as production or staging (not with version).</param>
/// <param name="Features">Feature sets to join with the rows by their key columns (an enriched prediction).</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record PredictBody(List<Dictionary<string, JsonElement>>? Rows, int? Version = null, string? Alias = null, List<string>? Features = null);

/// <summary>
/// A prediction answer written as JSON from its arrays: a few rows with their length known before they are sent, a
/// batch straight into the response's buffers (no buffer of its own to allocate and grow).
/// </summary>
public sealed class PredictionResponse(BatchPrediction result) : IResult
{
    /// <summary>Answers of more rows than this are written straight into the response.</summary>
    public const int BufferedRows = 16;

    public BatchPrediction Result => result;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        if (result.Count > BufferedRows)
        {
            PredictionJson.Write(response.BodyWriter, result);
            await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
            return;
        }

        var output = new ArrayBufferWriter<byte>(256 + (result.Count * 192));
        PredictionJson.Write(output, result);
        response.ContentLength = output.WrittenCount;
        await response.Body.WriteAsync(output.WrittenMemory, httpContext.RequestAborted);
    }
}
