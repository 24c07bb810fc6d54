using System.Text.Json;

// The ceiling for the benchmark: Kestrel and minimal APIs parsing the same JSON body as OrleansMl's predict endpoint
// (rows of column name to value) and answering a constant, with the same JSON options.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);

var app = builder.Build();
var answer = new PredictResult("noop", 1, [new Prediction(1, 0.5, new Dictionary<string, double> { ["0"] = 0.5, ["1"] = 0.5 })]);
app.MapPost("/api/models/{name}/predict", (string name, PredictBody body) =>
    body.Rows is { Count: > 0 } ? Results.Ok(answer) : Results.BadRequest());
app.Run();

/// <summary>The request body OrleansMl's predict endpoint takes.</summary>
internal sealed record PredictBody(List<Dictionary<string, JsonElement>>? Rows, int? Version = null, string? Alias = null);

/// <summary>A constant answer shaped like OrleansMl's.</summary>
internal sealed record PredictResult(string Model, int Version, List<Prediction> Predictions);

/// <summary>One prediction.</summary>
internal sealed record Prediction(double Label, double Score, Dictionary<string, double> Probabilities);
