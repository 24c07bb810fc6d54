using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;
using OrleansMl.Features;
using OrleansMl.Gateway.Tests.Mcp;
using OrleansMl.Schedules;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// The whole loop of continuous training and real-time features, driven by an assistant over MCP on the real gateway:
/// a transactions dataset, a feature set fed by events and a latest value, a fraud model trained on the dataset's copies of those
/// features, enriched predictions by customer id, an hourly drift-gated schedule that ships through a guarded canary,
/// appended rows that move the data, and a restart after which the run log, the rollout and the features are all there.
/// REST reads the same state. The feature and schedule clocks are fake (an hour passes in a call); models really train.
/// </summary>
public sealed class FraudStoryTests : IDisposable
{
    private const string Model = "fraud";
    private const string Dataset = "transactions";
    private const string Set = "tx-stats";
    private static readonly string[] Features = ["amount", "channel", "tx_count_1h", "tx_sum_1h"];
    private static readonly int[] Steps = [10, 50, 100];
    private static readonly int[] EitherVersion = [1, 2];

    private readonly FakeTimeProvider _featureTime = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly FakeTimeProvider _scheduleTime = new(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
    private readonly string _data = GatewayFactory.NewDataDirectory();

    [Fact]
    public async Task Transactions_Events_FraudModel_EnrichedPredictions_DriftGatedCanary_AllThereAfterARestart()
    {
        JsonNode runsBefore;
        await using (var gateway = Start())
        {
            await using var mcp = await gateway.ConnectMcpAsync();
            using var http = gateway.CreateClient();

            // Data and features: the dataset already holds the aggregates the feature set computes online.
            var created = await mcp.CallOkAsync("create_dataset", new { name = Dataset, csv = Transactions(1200, amountScale: 1, seed: 1) });
            Assert.Equal(1, created["version"]!["version"]!.GetValue<int>());
            var defined = await mcp.CallOkAsync("define_feature_set", new
            {
                set = Set,
                key = "customer_id",
                ttl = "01:00:00",
                values = new object[] { new { name = "segment", kind = "categorical", @default = "retail" } },
                aggregates = new object[]
                {
                    new { name = "tx_count_1h", op = "count", column = "amount", window = "01:00:00" },
                    new { name = "tx_sum_1h", op = "sum", column = "amount", window = "01:00:00" },
                },
            });
            Assert.Equal(("customer_id", 1L), (defined["key"]!.GetValue<string>(), defined["revision"]!.GetValue<long>()));
            var now = _featureTime.GetUtcNow();
            var events = Enumerable.Range(0, 10).Select(i => (object)new { key = "c-risky", timestamp = now.AddMinutes(-3 * i), values = new { amount = 300.0 } })
                .Append(new { key = "c-calm", timestamp = now.AddMinutes(-20), values = new { amount = 25.0 } })
                .Append(new { key = "c-calm", timestamp = now.AddHours(-3), values = new { amount = 25.0 } })
                .ToArray();
            var added = await mcp.CallOkAsync("add_feature_events", new { set = Set, events });
            Assert.Equal((11, 1), (added["accepted"]!.GetValue<int>(), added["outOfWindow"]!.GetValue<int>()));
            var segment = await mcp.CallOkAsync("set_feature_values", new { set = Set, key = "c-risky", values = new { segment = "premium" } });
            Assert.Equal("premium", segment["values"]!["segment"]!["value"]!.GetValue<string>());
            var unknown = await mcp.CallToolErrorAsync("set_feature_values", new { set = Set, key = "c-risky", values = new { balance = 10.5 } });
            Assert.Contains("balance", unknown, StringComparison.Ordinal);
            var risky = await mcp.CallOkAsync("get_features", new { set = Set, key = "c-risky" });
            Assert.Equal((10.0, 3000.0), (risky["aggregates"]!["tx_count_1h"]!.GetValue<double>(), risky["aggregates"]!["tx_sum_1h"]!.GetValue<double>()));
            Assert.Equal("premium", risky["values"]!["segment"]!["value"]!.GetValue<string>());

            // A fraud model on the transaction columns (not the customer id), promoted to production.
            var trained = await mcp.CallOkAsync("train_model", new { model = Model, dataset = Dataset, label = "fraud", algorithm = "lightgbm", features = Features, wait = true });
            Assert.Equal("succeeded", trained["status"]!.GetValue<string>());
            await mcp.CallOkAsync("promote_model", new { model = Model, version = 1, reason = "first fraud model" });

            // Enriched predictions by customer id: the row carries the transaction, the feature set the customer's last hour.
            var rows = new object[]
            {
                new { customer_id = "c-risky", amount = 350.0, channel = "web" },
                new { customer_id = "c-calm", amount = 350.0, channel = "web" },
            };
            var tool = await mcp.CallOkAsync("predict", new { model = Model, rows, features = new[] { Set } });
            Assert.Equal(["yes", "no"], Labels(tool));
            var rest = await (await http.PostJsonAsync($"/api/models/{Model}/predict", new { rows, features = new[] { Set } })).ReadJsonAsync();
            Assert.Equal(["yes", "no"], Labels(rest));

            // Hourly, drift-gated, shipped through a guarded canary.
            var schedule = await mcp.CallOkAsync("set_schedule", new
            {
                model = Model,
                every = "01:00:00",
                dataset = Dataset,
                label = "fraud",
                algorithm = "lightgbm",
                features = Features,
                trigger = "drift",
                driftThreshold = 0.2,
                then = "rollout",
                rolloutSteps = Steps,
                rolloutStepAfterSamples = 1000L,
                guardMetric = "accuracy",
                guardMaxDrop = 0.05,
            });
            Assert.Equal(Features, schedule["schedule"]!["features"]!.AsArray().Select(f => f!.GetValue<string>()));
            var grain = gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IModelScheduleGrain>(Model);

            // First hour: nothing new, so nothing trains.
            _scheduleTime.Advance(TimeSpan.FromHours(1));
            var first = await grain.RunDueAsync();
            Assert.Equal((ScheduleRun.Skipped, "skipped: production v1 was trained on v1, the newest version"), (first!.Decision, first.Reason));

            // New transactions with amounts far above the old ones arrive as an append; the next run trains and rolls out.
            var appended = await mcp.CallOkAsync("append_rows", new { name = Dataset, rows = TransactionRows(600, amountScale: 5, seed: 2) });
            Assert.Equal(2, appended["version"]!["version"]!.GetValue<int>());
            _scheduleTime.Advance(TimeSpan.FromHours(1));
            var second = await grain.RunDueAsync();
            Assert.True(second!.Decision == ScheduleRun.Training, second.Reason);
            Assert.Matches(@"^max PSI \d+(\.\d+)? ≥ 0\.2 \('amount', v2 against v1\)$", second.TriggeredBy);
            var shipped = await Eventually(async () => (await mcp.CallOkAsync("get_schedule", new { model = Model }))["runs"]![0]!, r => r["endedAt"] is not null);
            Assert.Equal(("trained", "rolloutStarted", 2), (shipped["decision"]!.GetValue<string>(), shipped["then"]!.GetValue<string>(), shipped["version"]!.GetValue<int>()));
            Assert.Matches(@"^trained v2: auc [0-9.]+ \(max PSI .+\)$", shipped["reason"]!.GetValue<string>());
            var rollout = await mcp.CallOkAsync("get_rollout", new { model = Model });
            Assert.Equal(("running", 2, 1), (rollout["status"]!.GetValue<string>(), rollout["candidate"]!.GetValue<int>(), rollout["baseline"]!.GetValue<int>()));

            runsBefore = await (await http.GetAsync($"/api/models/{Model}/schedule/runs")).ReadJsonAsync();
            Assert.Equal(2, runsBefore["runs"]!.AsArray().Count);
        }

        // A restart: the same data directory, a new gateway and silo.
        await using (var gateway = Start())
        {
            await using var mcp = await gateway.ConnectMcpAsync();
            using var http = gateway.CreateClient();

            var runsAfter = await (await http.GetAsync($"/api/models/{Model}/schedule/runs")).ReadJsonAsync();
            Assert.Equal(runsBefore.ToJsonString(), runsAfter.ToJsonString());
            var overview = await mcp.CallOkAsync("get_schedule", new { model = Model });
            Assert.Equal(["rolloutStarted", "none"], overview["runs"]!.AsArray().Select(r => r!["then"]?.GetValue<string>() ?? "none"));
            var rollout = await mcp.CallOkAsync("get_rollout", new { model = Model });
            Assert.Equal(("running", 2), (rollout["status"]!.GetValue<string>(), rollout["candidate"]!.GetValue<int>()));
            var risky = await mcp.CallOkAsync("get_features", new { set = Set, key = "c-risky" });
            Assert.Equal(10.0, risky["aggregates"]!["tx_count_1h"]!.GetValue<double>());

            // Served through the alias under the canary: either arm, both trained on the same rule.
            var tool = await mcp.CallOkAsync("predict", new
            {
                model = Model,
                rows = new object[] { new { customer_id = "c-risky", amount = 350.0, channel = "web" }, new { customer_id = "c-calm", amount = 350.0, channel = "web" } },
                features = new[] { Set },
            });
            Assert.Equal(["yes", "no"], Labels(tool));
            Assert.Contains(tool["version"]!.GetValue<int>(), EitherVersion);

            // An hour on, the events have left the window: the same customer is calm now, and says so.
            _featureTime.Advance(TimeSpan.FromHours(1));
            var later = await mcp.CallOkAsync("get_features", new { set = Set, key = "c-risky" });
            Assert.Equal((0.0, 0), (later["aggregates"]!["tx_count_1h"]!.GetValue<double>(), later["events"]!.GetValue<int>()));
            Assert.Equal(["segment"], later["expired"]!.AsArray().Select(e => e!.GetValue<string>()));
            Assert.Null(later["values"]!["segment"]);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private GatewayFactory Start() => new()
    {
        DataDirectory = _data,
        KeepDataDirectory = true,
        TestServices = services =>
        {
            services.AddKeyedSingleton<TimeProvider>(FeatureClock.ServiceKey, _featureTime);
            services.AddKeyedSingleton<TimeProvider>(ScheduleClock.ServiceKey, _scheduleTime);
        },
    };

    private static string[] Labels(JsonNode answer) =>
        [.. answer["predictions"]!.AsArray().Select(p => p!["label"]!.GetValue<string>())];

    private static async Task<JsonNode> Eventually(Func<Task<JsonNode>> read, Func<JsonNode, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Transactions whose fraud follows a rule over the last hour's activity and the amount, with a few flips.</summary>
    private static IEnumerable<(string Customer, double Amount, string Channel, int Count, double Sum, bool Fraud)> Generate(int rows, double amountScale, int seed)
    {
        var random = new Random(seed);
        string[] channels = ["web", "pos", "app"];
        for (var i = 0; i < rows; i++)
        {
            var count = random.Next(0, 13);
            var amount = Math.Round((5 + (random.NextDouble() * 395)) * amountScale, 2);
            var sum = Math.Round(count * (20 + (random.NextDouble() * 280)), 2);
            var fraud = (count >= 6 && amount > 150) != (random.NextDouble() < 0.02);
            yield return (FormattableString.Invariant($"c-{random.Next(0, 300):D4}"), amount, channels[random.Next(channels.Length)], count, sum, fraud);
        }
    }

    private static string Transactions(int rows, double amountScale, int seed)
    {
        var csv = new StringBuilder("customer_id,amount,channel,tx_count_1h,tx_sum_1h,fraud\n");
        foreach (var t in Generate(rows, amountScale, seed))
        {
            csv.Append(CultureInfo.InvariantCulture, $"{t.Customer},{t.Amount},{t.Channel},{t.Count},{t.Sum},{(t.Fraud ? "yes" : "no")}\n");
        }

        return csv.ToString();
    }

    private static object[] TransactionRows(int rows, double amountScale, int seed) =>
        [.. Generate(rows, amountScale, seed).Select(t => (object)new Dictionary<string, object>
        {
            ["customer_id"] = t.Customer,
            ["amount"] = t.Amount,
            ["channel"] = t.Channel,
            ["tx_count_1h"] = t.Count,
            ["tx_sum_1h"] = t.Sum,
            ["fraud"] = t.Fraud ? "yes" : "no",
        })];
}
