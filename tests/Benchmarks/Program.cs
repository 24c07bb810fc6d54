using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansMl;
using OrleansMl.Benchmarks;
using OrleansMl.Tests.Support;
using OrleansMl.Tests.Ml;
using OrleansMl.Hosting;

// Measures the budgets of the design on this machine: cold vs cached data preparation, training time and held-out
// accuracy on a make_classification-shaped set (10 informative of 20 features, 2 clusters per class, 1% flipped labels), prediction latency through direct grain calls and (with --gateway URL)
// through the REST endpoint.
//   dotnet run -c Release --project tests/Benchmarks -- [--rows 200000] [--algorithm auto] [--gateway http://127.0.0.1:8080]
//   dotnet run -c Release --project tests/Benchmarks -- --write-csv synthetic.csv [--rows 200000]   (the data set only)
//   dotnet run -c Release --project tests/Benchmarks -- --features [--seconds 10] [--keys 1000] [--batch 10000] [--inflight 2]
//     (feature event ingestion only: batched per key against one call per event; then enriched single-row predictions
//      against plain ones through a direct grain call)
//   dotnet run -c Release --project tests/Benchmarks -- --features --gateway http://127.0.0.1:8080 [--rest-batch 1000] [--rest-inflight 4]
//     (also through REST on a running gateway: enriched vs plain predict latency, and event ingestion in batches)
//   dotnet run -c Release --project tests/Benchmarks -- --many-models [--models 1000] [--hot 100] [--cold 100] [--trees 100] [--seconds 10] [--data DIR]
//     (memory per registered and per loaded model, cold first predictions and load times, traffic spread over many models;
//      --data keeps the trained models in DIR and serves them from there on the next run without training again)
//   dotnet run -c Release --project tests/Benchmarks -- --batch [--trees 100] [--leaves 178] [--rows 50000] [--seconds 5] [--repeats 3]
//     (a 1,000-row columnar batch through a direct grain call, side by side with the engine alone and the ids it signs)
//   dotnet run -c Release --project tests/Benchmarks -- --appends [--rows 200000] [--batch 1000] [--rounds 5]
//     (appending rows to a cached dataset version against uploading the whole CSV again)
//   dotnet run -c Release --project tests/Benchmarks -- --linear DIR [--datasets diabetes,wide]
//     (the linear regression at several penalties on DIR/NAME_train.csv, scored on DIR/NAME_test.csv; bench/linear.py)
//   dotnet run -c Release --project tests/Benchmarks -- --auto [--seeds 6] [--datasets breast_cancer,iris,wine,diabetes]
//     [--threads N] [--repeats 3] [--split DIR]
//     (auto against each learner at its defaults through the engine alone: on seeded splits of the public datasets, or
//      on the NAME_train.csv / NAME_test.csv files `bench/run.sh --keep` leaves in DIR)
//   dotnet run -c Release --project tests/Benchmarks -- --auto-profile [--datasets iris] [--threads N] [--repeats 3]
//     (one auto training broken into its stages; a dataset is a public one's name or a CSV path with a `target` column)
// --features, --many-models, --batch, --appends, --auto and --auto-profile are switches without a value: take them out so
// the settings after them still pair up.
string[] switches = ["--features", "--many-models", "--batch", "--appends", "--auto", "--auto-profile"];
var features = args.Contains("--features");
var manyModels = args.Contains("--many-models");
var appendsOnly = args.Contains("--appends");
var config = new ConfigurationBuilder().AddCommandLine([.. args.Where(a => !switches.Contains(a))]).Build();
int? learnerThreads = config["threads"] is { } threadSetting ? int.Parse(threadSetting, CultureInfo.InvariantCulture) : null;
if (config["linear"] is { } linearData)
{
    LinearBenchmark.Run(linearData, (config["datasets"] ?? "diabetes,wide").Split(','));
    return;
}

if (args.Contains("--auto") || args.Contains("--auto-profile"))
{
    var repeats = int.Parse(config["repeats"] ?? "1", CultureInfo.InvariantCulture);
    var names = (config["datasets"] ?? (args.Contains("--auto") ? "breast_cancer,iris,wine,diabetes" : "iris")).Split(',');
    if (args.Contains("--auto"))
    {
        AutoBenchmark.Run(config["split"], names, int.Parse(config["seeds"] ?? "6", CultureInfo.InvariantCulture), learnerThreads, repeats);
    }
    else
    {
        foreach (var name in names)
        {
            AutoBenchmark.Profile(name, learnerThreads, repeats);
        }
    }

    return;
}

var rows = int.Parse(config["rows"] ?? "200000", CultureInfo.InvariantCulture);
if (config["write-csv"] is { } path)
{
    // The benchmark's synthetic set as a file, so other systems can be measured on the same rows.
    await File.WriteAllTextAsync(path, SyntheticData.ToCsv(SyntheticData.ClassificationFrame(rows)));
    Console.WriteLine($"wrote {rows:N0} rows x 20 features to {path}");
    return;
}

if (features)
{
    var featureData = Path.Combine(Path.GetTempPath(), "orleansml-bench", Guid.NewGuid().ToString("N"));
    using var featureSilo = await StartSiloAsync(featureData);
    await FeatureBenchmark.RunAsync(
        featureSilo.Services.GetRequiredService<IGrainFactory>(),
        TimeSpan.FromSeconds(double.Parse(config["seconds"] ?? "10", CultureInfo.InvariantCulture)),
        int.Parse(config["keys"] ?? "1000", CultureInfo.InvariantCulture),
        int.Parse(config["batch"] ?? "10000", CultureInfo.InvariantCulture),
        int.Parse(config["inflight"] ?? "2", CultureInfo.InvariantCulture));
    var featureSeconds = TimeSpan.FromSeconds(double.Parse(config["seconds"] ?? "10", CultureInfo.InvariantCulture));
    await EnrichedBenchmark.RunDirectAsync(featureSilo.Services.GetRequiredService<IGrainFactory>(), featureSeconds);
    if (config["gateway"] is { } featureGateway)
    {
        using var featureHttp = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 8 }) { BaseAddress = new Uri(featureGateway) };
        await EnrichedBenchmark.RunRestAsync(featureHttp, featureSeconds,
            int.Parse(config["rest-batch"] ?? "1000", CultureInfo.InvariantCulture),
            int.Parse(config["rest-inflight"] ?? "4", CultureInfo.InvariantCulture));
    }

    await featureSilo.StopAsync();
    Directory.Delete(featureData, recursive: true);
    return;
}

if (manyModels)
{
    // --data DIR keeps the trained models there and, when DIR already holds them, serves them without training again.
    var manyData = config["data"] ?? Path.Combine(Path.GetTempPath(), "orleansml-bench", Guid.NewGuid().ToString("N"));
    var count = int.Parse(config["models"] ?? "1000", CultureInfo.InvariantCulture);
    if (!File.Exists(Path.Combine(manyData, "orleansml.db")))
    {
        using var trainer = await StartSiloAsync(manyData);
        await ManyModelsBenchmark.TrainAsync(
            trainer.Services.GetRequiredService<IGrainFactory>(), count, int.Parse(config["trees"] ?? "100", CultureInfo.InvariantCulture));
        await trainer.StopAsync();
    }

    using (var server = await StartSiloAsync(manyData))
    {
        await ManyModelsBenchmark.ServeAsync(
            server.Services,
            count,
            int.Parse(config["hot"] ?? "100", CultureInfo.InvariantCulture),
            int.Parse(config["cold"] ?? "100", CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(double.Parse(config["seconds"] ?? "10", CultureInfo.InvariantCulture)));
        await server.StopAsync();
    }

    if (config["data"] is null)
    {
        Directory.Delete(manyData, recursive: true);
    }

    return;
}

if (args.Contains("--batch"))
{
    var batchData = Path.Combine(Path.GetTempPath(), "orleansml-bench", Guid.NewGuid().ToString("N"));
    using var batchSilo = await StartSiloAsync(batchData);
    await BatchBenchmark.RunAsync(
        batchSilo.Services,
        int.Parse(config["trees"] ?? "100", CultureInfo.InvariantCulture),
        int.Parse(config["leaves"] ?? "178", CultureInfo.InvariantCulture),
        int.Parse(config["rows"] ?? "50000", CultureInfo.InvariantCulture),
        TimeSpan.FromSeconds(double.Parse(config["seconds"] ?? "5", CultureInfo.InvariantCulture)),
        int.Parse(config["repeats"] ?? "3", CultureInfo.InvariantCulture));
    await batchSilo.StopAsync();
    Directory.Delete(batchData, recursive: true);
    return;
}

if (appendsOnly)
{
    var appendData = Path.Combine(Path.GetTempPath(), "orleansml-bench", Guid.NewGuid().ToString("N"));
    using var appendSilo = await StartSiloAsync(appendData);
    await AppendBenchmark.RunAsync(
        appendSilo.Services.GetRequiredService<IGrainFactory>(),
        rows,
        int.Parse(config["batch"] ?? "1000", CultureInfo.InvariantCulture),
        int.Parse(config["rounds"] ?? "5", CultureInfo.InvariantCulture));
    await appendSilo.StopAsync();
    Directory.Delete(appendData, recursive: true);
    return;
}

var algorithm = Enum.Parse<TrainingAlgorithm>(config["algorithm"] ?? "auto", ignoreCase: true);
var gateway = config["gateway"];
var seconds = TimeSpan.FromSeconds(double.Parse(config["seconds"] ?? "5", CultureInfo.InvariantCulture));
var data = Path.Combine(Path.GetTempPath(), "orleansml-bench", Guid.NewGuid().ToString("N"));

Console.WriteLine($"OrleansMl benchmark: {rows:N0} rows x 20 features, {Environment.ProcessorCount} cores, data in {data}");
var csv = SyntheticData.ToCsv(SyntheticData.ClassificationFrame(rows));
Console.WriteLine($"dataset: {csv.Length / 1e6:F1} MB of CSV; raw float32 features {rows * 20 * 4 / 1e6:F1} MB");
EngineBenchmarks.Run(csv, new OrleansMlOptions().EffectiveTrainingThreads);

using (var first = await StartSiloAsync(data))
{
    var grains = first.Services.GetRequiredService<IGrainFactory>();
    var upload = Stopwatch.StartNew();
    var version = (await grains.UploadDatasetAsync("bench", csv)).Version;
    Console.WriteLine($"upload + parse + schema inference: {upload.Elapsed.TotalMilliseconds:F0} ms ({rows / upload.Elapsed.TotalSeconds:N0} rows/s), {version.Columns.Length} columns");
    await first.StopAsync();
}

// A fresh silo on the same data: the first training parses the stored CSV (cold), the second reuses it (cached).
using var silo = await StartSiloAsync(data);
var factory = silo.Services.GetRequiredService<IGrainFactory>();
var model = factory.GetGrain<IModelGrain>("bench");
var cold = await TrainAsync(model, algorithm);
var warm = await TrainAsync(model, TrainingAlgorithm.LightGbm);
var cache = await factory.GetGrain<IDatasetGrain>("bench").GetCacheStatsAsync();
Console.WriteLine($"data preparation: cold {cold.Timings.DataLoadMs:F1} ms, cached {warm.Timings.DataLoadMs:F2} ms "
    + $"({100 * warm.Timings.DataLoadMs / Math.Max(cold.Timings.DataLoadMs, 0.001):F2}% of cold); cache hits {cache.Hits}, misses {cache.Misses}, "
    + $"held {cache.CachedBytes / 1e6:F1} MB = {cache.CachedBytes / (rows * 20 * 4.0):F2}x raw float32");

// Predictions through the grain contract, as an internal service would call them.
var predictor = factory.GetGrain<IPredictorGrain>("bench");
var random = new Random(7);
ImmutableDictionary<string, FeatureValue> Row() =>
    Enumerable.Range(0, 20).ToImmutableDictionary(i => $"f{i}", _ => (FeatureValue)(random.NextDouble() * 4 - 2));
var single = new PredictionRequest([Row()], Version: 1);
var batch = new PredictionRequest(Enumerable.Range(0, 1000).Select(_ => Row()).ToImmutableArray(), Version: 1);
Console.WriteLine(await Latency.MeasureAsync("grain call, 1 row, 1 caller", 1, seconds, () => predictor.PredictAsync(single)));
Console.WriteLine(await Latency.MeasureAsync("grain call, 1 row, 16 callers", 16, seconds, () => predictor.PredictAsync(single)));
Console.WriteLine(await Latency.MeasureAsync("grain call, 1000-row batch, 1 caller", 1, seconds, () => predictor.PredictAsync(batch)));
var columnar = PredictionBatch.FromRows([.. batch.Rows], version: 1);
Console.WriteLine(await Latency.MeasureAsync("grain call, 1000-row columnar batch, 1 caller", 1, seconds, () => predictor.PredictBatchAsync(columnar)));

// The hot-path cost of a rollout: the same single-row call through the production alias, without and with a 10% canary
// (the canary never advances here), side by side in one run.
await model.SetAliasAsync("production", 1);
var aliased = new PredictionRequest([Row()]);
Console.WriteLine(await Latency.MeasureAsync("grain call via alias, 1 row, 16 callers, no rollout", 16, seconds, () => predictor.PredictAsync(aliased)));
await model.StartRolloutAsync(new RolloutRequest(2, Weight: 10, Steps: [10, 100], StepAfter: new RolloutStepAfter(Samples: long.MaxValue)));
Console.WriteLine(await Latency.MeasureAsync("grain call via alias, 1 row, 16 callers, 10% canary", 16, seconds, () => predictor.PredictAsync(aliased)));
await model.AbortRolloutAsync("benchmark done");

if (gateway is not null)
{
    using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 8 }) { BaseAddress = new Uri(gateway) };
    var body = new { rows = new[] { Enumerable.Range(0, 20).ToDictionary(i => $"f{i}", i => 0.1 * i) } };
    (await http.PostAsync("/api/datasets/bench", new StringContent(csv, System.Text.Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
    var remote = await (await http.PostAsJsonAsync("/api/models/bench/train", new { dataset = "bench", label = "target", algorithm = "lightgbm" })).Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonNode>();
    var v = remote!["version"]!.GetValue<int>();
    while ((await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonNode>($"/api/models/bench/versions/{v}"))!["status"]!.GetValue<string>() is "queued" or "running")
    {
        await Task.Delay(200);
    }

    Console.WriteLine(await Latency.MeasureAsync("REST POST /predict, 1 row, 8 connections", 8, seconds, async () =>
        (await http.PostAsJsonAsync($"/api/models/bench/predict", body)).EnsureSuccessStatusCode()));
}

// Stopped, not only disposed: its background services then end as the host expects instead of failing on disposal.
await silo.StopAsync();

static async Task<ModelVersionInfo> TrainAsync(IModelGrain model, TrainingAlgorithm algorithm)
{
    var queued = await model.TrainAsync(new TrainingRequest("bench", null, "target", Algorithm: algorithm));
    ModelVersionInfo info;
    while (!(info = await model.GetVersionAsync(queued.Version)).Status.IsTerminal())
    {
        await Task.Delay(100);
    }

    Console.WriteLine($"train v{info.Version} {algorithm}: {info.Status} {info.Error} in {info.Timings.TotalMs / 1000:F2} s "
        + $"(load {info.Timings.DataLoadMs:F0} ms, fit {info.Timings.TrainingMs:F0} ms, eval {info.Timings.EvaluationMs:F0} ms) "
        + $"{info.Algorithm}; {string.Join(", ", info.Metrics.Select(m => $"{m.Key}={m.Value:F4}"))}");
    return info;
}

static async Task<IHost> StartSiloAsync(string data)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["OrleansMl:DataDirectory"] = data,
        ["OrleansMl:SiloPort"] = FreePort(),
        ["OrleansMl:GatewayPort"] = FreePort(),
    });
    builder.AddOrleansMlSilo();
    var host = builder.Build();
    await host.StartAsync();
    return host;
}

// Other processes (tests, other benchmarks) may hold any fixed port.
static string FreePort() => TcpPorts.Free().ToString(CultureInfo.InvariantCulture);
