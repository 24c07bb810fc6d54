using System.Collections.Immutable;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OrleansMl.Tests.Ml;

namespace OrleansMl.Benchmarks;

/// <summary>
/// Enriched predictions against plain ones: a model trained on f0..f19, a feature set that supplies f10..f19 by
/// customer_id, and single-row predictions that carry f0..f9 and the key (enriched) or all twenty columns (plain),
/// through a direct grain call and, with a gateway, through REST. Also event ingestion through REST: batches of many
/// keys posted to <c>/api/features/{set}/events</c>, several in flight.
/// </summary>
public static class EnrichedBenchmark
{
    private const int Keys = 1000;
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly string[] Features = ["enrich-fs"];

    public static async Task RunDirectAsync(IGrainFactory grains, TimeSpan duration)
    {
        var csv = SyntheticData.ToCsv(SyntheticData.ClassificationFrame(5000));
        await grains.UploadDatasetAsync("enrich", csv);
        var model = grains.GetGrain<IModelGrain>("enrich");
        var queued = await model.TrainAsync(new TrainingRequest("enrich", null, "target", Algorithm: TrainingAlgorithm.LightGbm));
        while (!(await model.GetVersionAsync(queued.Version)).Status.IsTerminal())
        {
            await Task.Delay(100);
        }

        var set = await grains.GetGrain<IFeatureSetGrain>("enrich-fs").DefineAsync(new FeatureSetSpec(
            "customer_id", TimeSpan.FromHours(1), [.. Enumerable.Range(10, 10).Select(i => new FeatureValueSpec($"f{i}"))], []));
        var random = new Random(5);
        await Task.WhenAll(Enumerable.Range(0, Keys).Select(k => grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey("enrich-fs", $"c-{k}"))
            .SetValuesAsync(set.Revision, Enumerable.Range(10, 10).ToImmutableDictionary(i => $"f{i}", _ => FeatureValue.FromNumber(random.NextDouble())))));

        var predictor = grains.GetGrain<IPredictorGrain>("enrich");
        var plain = PredictionBatch.FromRows([Enumerable.Range(0, 20).ToDictionary(i => $"f{i}", i => FeatureValue.FromNumber(0.1 * i))]);
        var enriched = Enumerable.Range(0, Keys).Select(k => PredictionBatch.FromRows([Enumerable.Range(0, 10)
            .ToDictionary(i => $"f{i}", i => FeatureValue.FromNumber(0.1 * i)).Append(KeyValuePair.Create("customer_id", FeatureValue.FromString($"c-{k}")))
            .ToDictionary()])).ToArray();
        var next = 0;
        ImmutableArray<string> features = ["enrich-fs"];
        Console.WriteLine(await Latency.MeasureAsync("grain call, 1 row, plain", 1, duration, () => predictor.PredictBatchAsync(plain)));
        Console.WriteLine(await Latency.MeasureAsync("grain call, 1 row, enriched (1 set, 10 values)", 1, duration,
            () => predictor.PredictEnrichedAsync(enriched[Interlocked.Increment(ref next) % Keys], features)));
        Console.WriteLine(await Latency.MeasureAsync("grain call, 1 row, enriched, 16 callers", 16, duration,
            () => predictor.PredictEnrichedAsync(enriched[Interlocked.Increment(ref next) % Keys], features)));
    }

    public static async Task RunRestAsync(HttpClient http, TimeSpan duration, int batchSize, int inflight)
    {
        var csv = SyntheticData.ToCsv(SyntheticData.ClassificationFrame(5000));
        (await http.PostAsync("/api/datasets/enrich", new StringContent(csv, Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        var queued = await (await http.PostAsJsonAsync("/api/models/enrich/train", new { dataset = "enrich", label = "target", algorithm = "lightgbm" })).Content.ReadFromJsonAsync<JsonElement>();
        var version = queued.GetProperty("version").GetInt32();
        while ((await http.GetFromJsonAsync<JsonElement>($"/api/models/enrich/versions/{version}")).GetProperty("status").GetString() is "queued" or "running")
        {
            await Task.Delay(200);
        }

        (await http.PutAsJsonAsync("/api/features/enrich-fs", new
        {
            key = "customer_id",
            ttl = "01:00:00",
            values = Enumerable.Range(10, 10).Select(i => new { name = $"f{i}" }),
            aggregates = new object[]
            {
                new { name = "tx_count_1h", op = "count", column = "amount", window = "01:00:00" },
                new { name = "tx_sum_1h", op = "sum", column = "amount", window = "01:00:00" },
                new { name = "tx_max_10m", op = "max", column = "amount", window = "00:10:00" },
            },
        })).EnsureSuccessStatusCode();
        var random = new Random(5);
        for (var k = 0; k < Keys; k++)
        {
            (await http.PutAsJsonAsync($"/api/features/enrich-fs/c-{k}", new { values = Enumerable.Range(10, 10).ToDictionary(i => $"f{i}", _ => random.NextDouble()) })).EnsureSuccessStatusCode();
        }

        var plain = Json(new { rows = new[] { Enumerable.Range(0, 20).ToDictionary(i => $"f{i}", i => 0.1 * i) } });
        var enriched = Enumerable.Range(0, Keys).Select(k => Json(new
        {
            rows = new[] { Enumerable.Range(0, 10).ToDictionary(i => $"f{i}", i => (object)(0.1 * i)).Append(KeyValuePair.Create("customer_id", (object)$"c-{k}")).ToDictionary() },
            features = Features,
        })).ToArray();
        var next = 0;

        // Side by side at one and at eight connections; the budget is enriched p99 under plain p99 + 1 ms.
        foreach (var connections in new[] { 1, 8 })
        {
            var plainRun = await Latency.MeasureResultAsync($"REST predict, 1 row, plain, {connections} conn.", connections, duration,
                () => PostAsync(http, "/api/models/enrich/predict", plain));
            var enrichedRun = await Latency.MeasureResultAsync($"REST predict, 1 row, enriched, {connections} conn.", connections, duration,
                () => PostAsync(http, "/api/models/enrich/predict", enriched[Interlocked.Increment(ref next) % Keys]));
            Console.WriteLine(plainRun);
            Console.WriteLine(enrichedRun);
            var limit = plainRun.P99 + 1;
            Console.WriteLine($"{$"  budget at {connections} conn.",-44} enriched p99 {enrichedRun.P99:F3} ms {(enrichedRun.P99 < limit ? "<" : ">=")} plain p99 + 1 ms = {limit:F3} ms: {(enrichedRun.P99 < limit ? "met" : "MISSED")} (+{enrichedRun.P99 - plainRun.P99:F3} ms)");
        }

        // Ingestion: pre-built bodies of batchSize events over many keys, timestamps inside the hour.
        var now = DateTimeOffset.UtcNow;
        var bodies = Enumerable.Range(0, 8).Select(_ => Json(new
        {
            events = Enumerable.Range(0, batchSize).Select(_ => new
            {
                key = $"c-{random.Next(Keys * 10)}",
                timestamp = now - TimeSpan.FromSeconds(random.Next(0, 1800)),
                values = new { amount = Math.Round(random.NextDouble() * 500, 2) },
            }),
        })).ToArray();
        long events = 0;
        var samples = new List<double>();
        var stop = Stopwatch.StartNew();
        var sent = -1;
        await Task.WhenAll(Enumerable.Range(0, inflight).Select(async _ =>
        {
            while (stop.Elapsed < duration)
            {
                var t = Stopwatch.GetTimestamp();
                var answer = await PostAsync(http, "/api/features/enrich-fs/events", bodies[Interlocked.Increment(ref sent) % bodies.Length]);
                var accepted = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("accepted").GetInt32();
                Interlocked.Add(ref events, accepted);
                lock (samples)
                {
                    samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
            }
        }));
        var sorted = samples.Order().ToArray();
        Console.WriteLine($"{$"REST events, {batchSize} per request, {inflight} in flight",-44} {events / stop.Elapsed.TotalSeconds,12:N0} events/s  "
            + $"request p50={sorted[sorted.Length / 2],8:F1} ms  p99={sorted[Math.Min(sorted.Length - 1, (int)(0.99 * sorted.Length))],8:F1} ms");
    }

    private static byte[] Json(object body) => JsonSerializer.SerializeToUtf8Bytes(body, Web);

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string url, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var response = await http.PostAsync(url, content);
        return response.EnsureSuccessStatusCode();
    }
}
