using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansMl;

// An internal service that calls OrleansMl's grains directly, without the HTTP gateway: it joins the cluster as an
// Orleans client through the PostgreSQL membership table, uploads a dataset, trains a model and predicts.
//   dotnet run --project samples/InternalClient -- "Host=db;Database=orleansml;Username=orleansml;Password=..." [file.csv]
// On Kubernetes, run it in a pod labelled app.kubernetes.io/part-of: orleansml (the NetworkPolicy admits only those
// to the silos' Orleans ports).
var connectionString = args.ElementAtOrDefault(0) ?? Environment.GetEnvironmentVariable("OrleansMl__PostgresConnectionString")
    ?? throw new ArgumentException("Pass the cluster's PostgreSQL connection string (or set OrleansMl__PostgresConnectionString).");
var csvPath = args.ElementAtOrDefault(1) ?? Path.Combine(AppContext.BaseDirectory, "churn.csv");

var builder = Host.CreateApplicationBuilder();
builder.UseOrleansClient(client => client
    .Configure<ClusterOptions>(o =>
    {
        o.ClusterId = "orleansml"; // OrleansMl__ClusterId and OrleansMl__ServiceId of the cluster
        o.ServiceId = "orleansml";
    })
    .UseAdoNetClustering(o =>
    {
        o.Invariant = "Npgsql";
        o.ConnectionString = connectionString;
    }));
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IClusterClient>();

// Upload in 1 MB chunks: identical content returns the version that already holds it.
await using (var csv = File.OpenRead(csvPath))
{
    var upload = await grains.UploadDatasetAsync("churn-internal", csv);
    Console.WriteLine($"dataset churn-internal v{upload.Version.Version}: {upload.Version.Rows} rows");
}

// Training returns at once (queued); the version grain reports progress until the job ends.
var model = grains.GetGrain<IModelGrain>("churn-internal");
var version = await model.TrainAsync(new TrainingRequest("churn-internal", null, "churned", Algorithm: TrainingAlgorithm.Linear));
while (!version.Status.IsTerminal())
{
    await Task.Delay(250);
    version = await grains.GetModelVersion(version.Model, version.Version).GetAsync();
}

Console.WriteLine($"model churn-internal v{version.Version}: {version.Status}, auc {version.Metrics.GetValueOrDefault("auc"):F3}");
if (version.Status != TrainingStatus.Succeeded)
{
    return 1;
}

// Predictions go to the per-silo predictor replicas; no gateway, no JSON.
var row = ImmutableDictionary<string, FeatureValue>.Empty
    .Add("tenure_months", 2).Add("monthly_charges", 95.5).Add("contract", "month-to-month")
    .Add("internet", "fiber").Add("support_calls", 5).Add("paperless", "yes");
var result = await grains.GetGrain<IPredictorGrain>("churn-internal").PredictAsync(new PredictionRequest([row], version.Version));
Console.WriteLine($"prediction from v{result.Version}: {result.Predictions[0].Label}");

await host.StopAsync();
return 0;
