using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;
using System.Text.Json.Serialization;

namespace OrleansMl.Gateway.Api;

/// <summary>REST routes for a model's live health and the feedback that feeds it: <c>/api/models/{name}/health</c>, <c>/feedback</c>.</summary>
public static class ModelHealthApi
{
    public static IEndpointRouteBuilder MapModelHealthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/models").WithTags("Health and feedback")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{name}/health", GetHealthAsync)
            .WithSummary("Live health per version: requests, errors, latency, predicted labels or values, feedback metrics, shadow agreement")
            .WithDescription("Windows of 5 minutes (by the second) and 1 hour (by the minute), counted on every silo and flushed about once a second.")
            .RequireScope(Scopes.Read)
            .AddEndpointFilter<FailoverFilter>();
        group.MapPost("/{name}/feedback", SendFeedbackAsync)
            .WithSummary("True labels or values of earlier predictions, by predictionId")
            .WithDescription("Answers 202 with how many items were accepted, unknown (not a prediction id of this model), expired (older than OrleansMl__Feedback__Retention) or duplicate.")
            .WithRequestExample("application/json", """{"items":[{"predictionId":"AQIAAAB...","actual":"yes"}]}""")
            .RequireScope(Scopes.Predict)
            .AddEndpointFilter<FailoverFilter>();
        return app;
    }

    internal static async Task<Ok<ModelHealth>> GetHealthAsync(string name, IGrainFactory grains)
    {
        Names.Validate(name, "model");
        await grains.GetGrain<IModelGrain>(name).GetSummaryAsync();
        return TypedResults.Ok(await grains.GetGrain<IModelHealthGrain>(name).GetHealthAsync());
    }

    internal static async Task<Accepted<FeedbackResult>> SendFeedbackAsync(string name, FeedbackBody body, IGrainFactory grains, IOptions<OrleansMlOptions> options)
    {
        Names.Validate(name, "model");
        var items = ToItems(body?.Items, options.Value.MaxPredictionRows);
        await grains.GetGrain<IModelGrain>(name).GetSummaryAsync();
        var result = await grains.GetGrain<IModelHealthGrain>(name).RecordFeedbackAsync(items);
        return TypedResults.Accepted($"/api/models/{name}/health", result);
    }

    /// <summary>The items, checked whole: any malformed item rejects the request and records nothing.</summary>
    public static ImmutableArray<FeedbackItem> ToItems(IReadOnlyList<FeedbackBodyItem?>? items, int maxItems)
    {
        if (items is not { Count: > 0 })
        {
            throw new InvalidFeedbackException("items is required: send {\"items\": [{\"predictionId\": \"...\", \"actual\": \"yes\"}]}.");
        }

        if (items.Count > maxItems)
        {
            throw new PayloadTooLargeException($"A feedback request may hold at most {maxItems} items (got {items.Count}); split it or raise OrleansMl__MaxPredictionRows.");
        }

        var result = ImmutableArray.CreateBuilder<FeedbackItem>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item is null || string.IsNullOrEmpty(item.PredictionId))
            {
                throw new InvalidFeedbackException($"items[{i}] has no predictionId: send the predictionId the prediction came with.");
            }

            var actual = item.Actual.ValueKind switch
            {
                JsonValueKind.String => FeatureValue.FromString(Text(item.Actual, $"items[{i}].actual")),
                JsonValueKind.Number when item.Actual.TryGetDouble(out var number) && double.IsFinite(number) => FeatureValue.FromNumber(number),
                JsonValueKind.True => FeatureValue.FromBoolean(true),
                JsonValueKind.False => FeatureValue.FromBoolean(false),
                JsonValueKind.Number => throw new InvalidFeedbackException(
                    $"items[{i}].actual {Shown(item.Actual.GetRawText())} is outside the float32 range (±3.4028235E+38) a model's labels are stored in: send the true value, nothing was recorded."),
                _ => throw new InvalidFeedbackException($"items[{i}].actual must be the true label or value (a string, number or boolean); got {(item.Actual.ValueKind == JsonValueKind.Undefined ? "nothing" : item.Actual.ValueKind.ToString().ToLowerInvariant())}."),
            };
            result.Add(new FeedbackItem(item.PredictionId, actual));
        }

        return result.MoveToImmutable();
    }

    private static string? Text(JsonElement value, string place)
    {
        try
        {
            return value.GetString();
        }
        catch (Exception error) when (OrleansMl.Ml.JsonText.IsInvalidText(error))
        {
            throw new InvalidFeedbackException($"The string at {place} {OrleansMl.Ml.JsonText.NotText}; nothing was recorded.");
        }
    }

    // A number too large for a double can be written with any number of digits: the error quotes its start and length.
    private static string Shown(string number) => number.Length <= 64 ? number : $"{number.AsSpan(0, 64)}… ({number.Length} characters)";
}

/// <summary>Feedback: the true label or value of earlier predictions.</summary>
/// <param name="Items">One item per prediction.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FeedbackBody(List<FeedbackBodyItem?>? Items);

/// <summary>The true label or value of one prediction.</summary>
/// <param name="PredictionId">The predictionId the prediction came with.</param>
/// <param name="Actual">The true label (in the label column's own values) or value.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FeedbackBodyItem(string? PredictionId, JsonElement Actual);
