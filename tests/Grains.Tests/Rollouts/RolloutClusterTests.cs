using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Health;
using OrleansMl.Predictions;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Rollouts;

/// <summary>Rollouts on three silos with models really trained: traffic, feedback and the rollout's own decisions.</summary>
[Collection(ThreeSiloCollection.Name)]
public sealed class RolloutClusterTests(ThreeSiloFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task ABadCandidate_UnderTrafficWithFeedback_IsRolledBackByItsGuard_OnEverySilo()
    {
        var (model, grain) = await TrainAsync(good: true, bad: true);
        await grain.SetAliasAsync("production", 1);

        await grain.StartRolloutAsync(new RolloutRequest(
            2, Weight: 50, Steps: [50, 100], StepAfter: new RolloutStepAfter(Samples: 1_000_000),
            Guard: new RolloutGuard("accuracy", MaxDrop: 0.02, MinSamples: 60)));
        var ended = await DriveAsync(model, grain);

        Assert.Equal(RolloutStatus.RolledBack, ended.Status);
        Assert.Equal(0, ended.Weight);
        var reason = ended.Decisions[^1].Reason;
        Assert.Matches(@"^auto-rollback: accuracy 0\.\d+ vs baseline (0\.\d+|1) − 0\.02 after \d+ labelled predictions$", reason);
        var info = await grain.GetAsync();
        Assert.Equal(1, info.Aliases["production"]);
        Assert.Equal(("rollback", 2, 1, reason), (info.AliasHistory[^1].Action, info.AliasHistory[^1].From, info.AliasHistory[^1].To, info.AliasHistory[^1].Reason));

        // Every silo's route table carries no split any more, and no request reaches the candidate.
        foreach (var silo in fixture.Cluster.Silos)
        {
            var table = silo.SiloHost.Services.GetRequiredService<ModelRouteCache>().Get(model);
            Assert.True(table is null || !table.HasSplits, $"silo {silo.SiloAddress} still splits traffic");
        }

        var predictor = Client.GetGrain<IPredictorGrain>(model);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(1, (await predictor.PredictBatchAsync(Batch(new Random(i)).Batch)).Version);
        }
    }

    [Fact]
    public async Task AGoodCandidate_WalksTheSteps_AndIsPromoted()
    {
        var (model, grain) = await TrainAsync(good: true, bad: false);
        await grain.SetAliasAsync("production", 1);

        await grain.StartRolloutAsync(new RolloutRequest(
            2, Weight: 30, Steps: [30, 60, 100], StepAfter: new RolloutStepAfter(Samples: 25, Duration: TimeSpan.Zero),
            Guard: new RolloutGuard("accuracy", MaxDrop: 0.15, MinSamples: 25)));
        var ended = await DriveAsync(model, grain);

        Assert.Equal(RolloutStatus.Promoted, ended.Status);
        Assert.Equal(["start", "advance", "promote"], ended.Decisions.Select(d => d.Action).ToArray());
        Assert.Equal(60, ended.Decisions[1].Weight);
        var info = await grain.GetAsync();
        Assert.Equal(2, info.Aliases["production"]);
        Assert.Equal(("promote", 1, 2), (info.AliasHistory[^1].Action, info.AliasHistory[^1].From, info.AliasHistory[^1].To));
        Assert.Equal(2, (await ListedAsync(model)).Aliases["production"]);
        Assert.Equal(2, (await Client.GetGrain<IPredictorGrain>(model).PredictBatchAsync(Batch(new Random(7)).Batch)).Version);
    }

    [Fact]
    public async Task Shadow_AnswersBitIdenticalToTheBaseline_AndReportsAgreement()
    {
        var (model, grain) = await TrainAsync(good: true, bad: true);
        await grain.SetAliasAsync("production", 1);
        await grain.StartRolloutAsync(new RolloutRequest(2, Mode: RolloutMode.Shadow));
        var predictor = Client.GetGrain<IPredictorGrain>(model);

        for (var i = 0; i < 40; i++)
        {
            var (batch, _) = Batch(new Random(100 + i), rows: 5);
            var shadowed = await predictor.PredictBatchAsync(batch);
            var direct = await predictor.PredictBatchAsync(batch with { Version = 1 });
            Assert.Equal(1, shadowed.Version);
            Assert.Equal(direct.Labels.ToArray(), shadowed.Labels.ToArray());
            Assert.Equal(direct.Scores.Select(BitConverter.DoubleToInt64Bits), shadowed.Scores.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(direct.Probabilities.Select(BitConverter.DoubleToInt64Bits), shadowed.Probabilities.Select(BitConverter.DoubleToInt64Bits));
        }

        var health = await Eventually.GetAsync(
            () => Client.GetGrain<IModelHealthGrain>(model).GetHealthAsync(),
            h => h.Versions.Any(v => v.Version == 2 && v.Windows[0].ShadowCompared >= 200),
            what: "the candidate's shadow scores in the health windows");
        var candidate = health.Versions.Single(v => v.Version == 2).Windows[0];
        Assert.InRange(candidate.ShadowAgreement!.Value, 0, 1);
        Assert.NotNull(candidate.ShadowP99Ms);
        Assert.True(health.Versions.Single(v => v.Version == 1).Windows[0].Requests >= 80);

        var aborted = await grain.AbortRolloutAsync("seen enough");
        Assert.Equal(RolloutStatus.Aborted, aborted.Status);
    }

    [Fact]
    public async Task Feedback_CountsUnknownExpiredAndDuplicateIds_AndFeedsAccuracy()
    {
        var (model, _) = await TrainAsync(good: true, bad: false);
        var predictor = Client.GetGrain<IPredictorGrain>(model);
        var items = ImmutableArray.CreateBuilder<FeedbackItem>();
        for (var i = 0; i < 40; i++)
        {
            var (batch, truth) = Batch(new Random(200 + i));
            var result = await predictor.PredictBatchAsync(batch);
            Assert.Equal(44, result.PredictionIds[0].Length);
            // Every other true label as a JSON boolean: it means the model's yes or no, as the CSV reader reads them.
            items.Add(new FeedbackItem(result.PredictionIds[0], i % 2 == 0 ? truth[0] : FeatureValue.FromBoolean(truth[0].Text == "yes")));
        }

        var health = Client.GetGrain<IModelHealthGrain>(model);
        var first = await health.RecordFeedbackAsync([.. items, items[0], new FeedbackItem(items[1].PredictionId[..^1] + "x", "yes")]);
        var otherModel = await Client.GetGrain<IModelHealthGrain>(TestData.Name("other")).RecordFeedbackAsync([items[2]]);
        var bad = await Assert.ThrowsAsync<InvalidFeedbackException>(() => health.RecordFeedbackAsync([new FeedbackItem("", "yes")]));

        Assert.Equal((40, 1, 0, 1), (first.Accepted, first.Unknown, first.Expired, first.Duplicate));
        Assert.Equal(1, otherModel.Unknown);
        Assert.Contains("predictionId", bad.Message, StringComparison.Ordinal);
        var window = await Eventually.GetAsync(
            async () => (await health.GetHealthAsync()).Versions.Single(v => v.Version == 2).Windows[0],
            w => w.Requests >= 40, what: "the flushed request counts");
        Assert.Equal(40, window.Labelled);
        Assert.True(window.Accuracy >= 0.85, $"accuracy {window.Accuracy}");
        Assert.True(window.Auc >= 0.9, $"auc {window.Auc}");
        Assert.NotNull(window.P99Ms);
        Assert.Equal(40, window.Labels!.Values.Sum());
    }

    [Fact]
    public async Task Health_NoLongerReportsAVersion_OnceItIsDeleted()
    {
        var (model, grain) = await TrainAsync(good: true, bad: false);
        var predictor = Client.GetGrain<IPredictorGrain>(model);
        var health = Client.GetGrain<IModelHealthGrain>(model);
        for (var i = 0; i < 5; i++)
        {
            await predictor.PredictBatchAsync(Batch(new Random(300 + i)).Batch with { Version = 2 });
            await predictor.PredictBatchAsync(Batch(new Random(400 + i)).Batch with { Version = 1 });
        }

        var before = await Eventually.GetAsync(
            async () => (await health.GetHealthAsync()).Versions,
            v => v.Length == 2 && v.All(h => h.Windows[0].Requests >= 5), what: "both versions' flushed counts");
        Assert.All(before.Single(v => v.Version == 2).Windows[0].Labels!.Keys, label => Assert.True(label is "no" or "yes", $"label '{label}'"));

        await grain.DeleteVersionAsync(2);

        var after = await health.GetHealthAsync();
        Assert.Equal([1], after.Versions.Select(v => v.Version).ToArray());
        Assert.Equal(ModelTask.Binary, after.Versions[0].Task);
    }

    [Fact]
    public async Task Health_MeasuresInputDrift_AgainstTheTrainingData_PerFeature()
    {
        var (model, _) = await TrainAsync(good: true, bad: false);
        var predictor = Client.GetGrain<IPredictorGrain>(model);
        var health = Client.GetGrain<IModelHealthGrain>(model);
        var random = new Random(31);
        for (var i = 0; i < 100; i++)
        {
            await predictor.PredictBatchAsync(Batch(random, rows: DriftSampler.RowsPerRequest).Batch);
        }

        var stable = await Eventually.GetAsync(
            async () => (await health.GetHealthAsync()).Versions.SingleOrDefault(v => v.Version == 2),
            v => v?.DriftRows >= 800, what: "800 sampled rows");

        // The served rows come from the training distribution: every feature is stable; the id column is not a feature.
        Assert.Equal(["color", "x1", "x2"], stable!.Drift.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.All(stable.Drift, d => Assert.True(d.Value < 0.1, $"{d.Key}: PSI {d.Value}"));

        // x1 moves by 3 (its training range is -2..2): x1 drifts, x2 does not.
        for (var i = 0; i < 100; i++)
        {
            var (batch, _) = Batch(random, rows: DriftSampler.RowsPerRequest);
            var cells = batch.Cells.ToArray();
            for (var r = 0; r < batch.Rows; r++)
            {
                cells[(r * batch.Columns.Length) + 1] = cells[(r * batch.Columns.Length) + 1].Number + 3;
            }

            await predictor.PredictBatchAsync(batch with { Cells = [.. cells] });
        }

        var shifted = await Eventually.GetAsync(
            async () => (await health.GetHealthAsync()).Versions.Single(v => v.Version == 2),
            v => v.DriftRows >= 1600, what: "1,600 sampled rows");
        Assert.True(shifted.Drift["x1"] > 0.5, $"x1: PSI {shifted.Drift["x1"]}");
        Assert.True(shifted.Drift["x2"] < 0.1, $"x2: PSI {shifted.Drift["x2"]}");
    }

    [Fact]
    public async Task AGuardedAlias_RollsBackByItself_WhenThePromotedVersionDoesWorseThanTheOneBefore()
    {
        var (model, grain) = await TrainAsync(good: true, bad: true);
        await grain.SetAliasAsync("production", 1);
        var sent = 0;
        await FeedAsync(model, () => Task.FromResult(++sent >= 4));
        await grain.SetAliasAsync("production", 2, "looks fine");
        var guarded = await grain.SetAliasGuardAsync("production", new RolloutGuard("accuracy", MaxDrop: 0.02, MinSamples: 60));

        await FeedAsync(model, async () => (await grain.GetAsync()).Aliases["production"] == 1);

        Assert.Equal((2, 1), (guarded.Version, guarded.Previous));
        var info = await grain.GetAsync();
        Assert.Equal(1, info.Aliases["production"]);
        Assert.Equal(1, (await ListedAsync(model)).Aliases["production"]);
        var last = info.AliasHistory[^1];
        Assert.Equal(("rollback", 2, 1), (last.Action, last.From, last.To));
        Assert.Matches(@"^auto-rollback: accuracy 0\.\d+ vs baseline (0\.\d+|1) − 0\.02 after \d+ labelled predictions$", last.Reason);
    }

    [Fact]
    public async Task ARunningRollout_OwnsItsAlias_UntilItEnds()
    {
        var (model, grain) = await TrainAsync(good: true, bad: false);
        await grain.SetAliasAsync("production", 1);
        await grain.StartRolloutAsync(new RolloutRequest(2, Weight: 10, StepAfter: new RolloutStepAfter(Samples: 1_000_000)));

        var promote = await Assert.ThrowsAsync<RolloutInProgressException>(() => grain.SetAliasAsync("production", 2, "by hand"));
        var rollback = await Assert.ThrowsAsync<RolloutInProgressException>(() => grain.RollbackAliasAsync("production"));

        Assert.Equal(
            $"Cannot promote version 2 to it: a canary rollout of version 2 against version 1 is running on alias 'production' of model '{model}'. "
            + $"Wait for it to promote or roll back, or abort it first (DELETE /api/models/{model}/rollout).", promote.Message);
        Assert.StartsWith("Cannot roll it back: a canary rollout", rollback.Message, StringComparison.Ordinal);
        var info = await grain.GetAsync();
        Assert.Equal(1, info.Aliases["production"]);
        Assert.Equal(RolloutStatus.Running, (await grain.GetRolloutAsync()).Status);

        // Other aliases stay free, and promoting the alias's own version again changes nothing.
        Assert.Equal(2, (await grain.SetAliasAsync("staging", 2)).Version);
        Assert.Equal(1, (await grain.SetAliasAsync("production", 1)).Version);

        await grain.AbortRolloutAsync("done by hand");
        Assert.Equal(2, (await grain.SetAliasAsync("production", 2, "by hand")).Version);
    }

    [Fact]
    public async Task ACandidateThatReadsAColumnTheBaselinesRowsNeedNotCarry_CannotBeRolledOut()
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Client.UploadDatasetAsync(dataset, TestData.Binary(400));
        var grain = Client.GetGrain<IModelGrain>(model);
        foreach (var features in new[] { ImmutableArray.Create("x1", "x2"), ImmutableArray.Create("x1", "x2", "color"), ImmutableArray.Create("x1") })
        {
            var version = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear, Features: features));
            Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Client, model, version.Version)).Status);
        }

        await grain.SetAliasAsync("production", 1);

        var error = await Assert.ThrowsAsync<InvalidRolloutException>(() => grain.StartRolloutAsync(new RolloutRequest(2)));

        Assert.Equal(
            $"Version 2 cannot take the traffic of alias 'production' of model '{model}': version 2 reads column 'color', which rows for version 1 need not carry. "
            + "Roll out a version trained on the same columns (the same dataset and features), or promote it to another alias.", error.Message);
        await Assert.ThrowsAsync<RolloutNotFoundException>(() => grain.GetRolloutAsync());

        // A candidate that reads fewer of the same columns takes the baseline's rows as they are.
        Assert.Equal(RolloutStatus.Running, (await grain.StartRolloutAsync(new RolloutRequest(3))).Status);
        await grain.AbortRolloutAsync();
    }

    [Fact]
    public async Task AGuardOnAMetricTheModelsTaskNeverMeasures_IsRefused_NamingTheTaskAndTheMetricsItHas()
    {
        var (binary, binaryGrain) = await TrainAsync(good: false, bad: false);
        await binaryGrain.SetAliasAsync("production", 1);
        var (regression, regressionGrain) = await TrainOnAsync(TestData.Regression(), "y", versions: 2);
        await regressionGrain.SetAliasAsync("production", 1);
        var (multiclass, multiclassGrain) = await TrainOnAsync(TestData.Multiclass(), "species", versions: 1);
        await multiclassGrain.SetAliasAsync("production", 1);

        var rmseOnBinary = await Assert.ThrowsAsync<InvalidRolloutException>(() => binaryGrain.StartRolloutAsync(new RolloutRequest(
            2, Weight: 50, Steps: [50, 100], StepAfter: new RolloutStepAfter(Samples: 5, Duration: TimeSpan.FromSeconds(1)),
            Guard: new RolloutGuard("rmse", Max: 0.1, MinSamples: 5))));
        var accuracyOnRegression = await Assert.ThrowsAsync<InvalidRolloutException>(() =>
            regressionGrain.StartRolloutAsync(new RolloutRequest(2, Guard: new RolloutGuard("accuracy", MaxDrop: 0.02))));
        var maeOnBinaryAlias = await Assert.ThrowsAsync<InvalidRolloutException>(() =>
            binaryGrain.SetAliasGuardAsync("production", new RolloutGuard("mae", Max: 0.5)));
        var aucOnRegressionAlias = await Assert.ThrowsAsync<InvalidRolloutException>(() =>
            regressionGrain.SetAliasGuardAsync("production", new RolloutGuard("auc", MaxDrop: 0.02)));
        var aucOnMulticlassAlias = await Assert.ThrowsAsync<InvalidRolloutException>(() =>
            multiclassGrain.SetAliasGuardAsync("production", new RolloutGuard("auc", MaxDrop: 0.02)));

        Assert.Equal(
            $"guard.metric 'rmse' is never measured for versions 1 and 2 of model '{binary}', binary models, so the guard would never be checked: "
            + "a binary model's guard can watch accuracy, auc, errorRate or p99.", rmseOnBinary.Message);
        Assert.Equal(
            $"guard.metric 'accuracy' is never measured for versions 1 and 2 of model '{regression}', regression models, so the guard would never be checked: "
            + "a regression model's guard can watch rmse, mae, errorRate or p99.", accuracyOnRegression.Message);
        Assert.Equal(
            $"guard.metric 'mae' is never measured for version 1 of model '{binary}', a binary model, so the guard would never be checked: "
            + "a binary model's guard can watch accuracy, auc, errorRate or p99.", maeOnBinaryAlias.Message);
        Assert.StartsWith($"guard.metric 'auc' is never measured for version 1 of model '{regression}', a regression model,", aucOnRegressionAlias.Message, StringComparison.Ordinal);
        Assert.Equal(
            $"guard.metric 'auc' is never measured for version 1 of model '{multiclass}', a multiclass model, so the guard would never be checked: "
            + "a multiclass model's guard can watch accuracy, errorRate or p99.", aucOnMulticlassAlias.Message);
        await Assert.ThrowsAsync<RolloutNotFoundException>(() => binaryGrain.GetRolloutAsync());
        await Assert.ThrowsAsync<RolloutNotFoundException>(() => regressionGrain.GetRolloutAsync());

        // The metrics each task does measure are taken, and errors and latency on every task.
        Assert.Equal("rmse", (await regressionGrain.SetAliasGuardAsync("production", new RolloutGuard("rmse", Max: 1))).Guard?.Metric);
        Assert.Equal("accuracy", (await multiclassGrain.SetAliasGuardAsync("production", new RolloutGuard("accuracy", MaxDrop: 0.02))).Guard?.Metric);
        Assert.Equal("p99", (await multiclassGrain.SetAliasGuardAsync("production", new RolloutGuard("p99", Max: 50))).Guard?.Metric);
        Assert.Equal(RolloutStatus.Running, (await binaryGrain.StartRolloutAsync(new RolloutRequest(2, Guard: new RolloutGuard("auc", MaxDrop: 0.02)))).Status);
        Assert.Equal(RolloutStatus.Running, (await regressionGrain.StartRolloutAsync(new RolloutRequest(2, Guard: new RolloutGuard("errorRate", Max: 0.01)))).Status);
        await binaryGrain.AbortRolloutAsync();
        await regressionGrain.AbortRolloutAsync();
    }

    [Fact]
    public async Task AStickyByColumnNoRequestMayCarry_IsRefused_NamingTheColumnsRowsTake()
    {
        var (model, grain) = await TrainAsync(good: false, bad: false);
        await grain.SetAliasAsync("production", 1);

        var error = await Assert.ThrowsAsync<InvalidRolloutException>(() => grain.StartRolloutAsync(new RolloutRequest(2, StickyBy: "nonexistent")));

        Assert.Equal(
            $"stickyBy 'nonexistent' is not a column that requests through alias 'production' of model '{model}' may carry: "
            + "versions 1 and 2 refuse a row with it (unknown column), so no request could be sticky. "
            + "The columns versions 1 and 2 both take are 'id', 'x1', 'x2', 'color' and the label 'label' (matched ignoring case): "
            + "choose one of them, e.g. an id every row carries.", error.Message);
        await Assert.ThrowsAsync<RolloutNotFoundException>(() => grain.GetRolloutAsync());

        // Rows may carry a column the versions keep without reading it (the id), in any case, as predictions match them.
        var started = await grain.StartRolloutAsync(new RolloutRequest(2, Weight: 50, Steps: [50, 100], StickyBy: "ID"));
        Assert.Equal((RolloutStatus.Running, "ID"), (started.Status, started.StickyBy));
        var batch = new PredictionBatch(["ID", "x1", "x2", "color"], 1, [7.0, 0.5, 0.5, "red"], []);
        Assert.InRange((await Client.GetGrain<IPredictorGrain>(model).PredictBatchAsync(batch)).Version, 1, 2);

        // And the arm follows the column in whatever case a row spells it: at 50%, twenty requests of one id spelled
        // 'id' land on one arm (at random they would split).
        foreach (var id in new[] { 7.0, 8.0, 9.0 })
        {
            var arms = new HashSet<int>();
            for (var i = 0; i < 20; i++)
            {
                var spelled = new PredictionBatch([i % 2 == 0 ? "id" : "Id", "x1", "x2", "color"], 1, [id, 0.5, 0.5, "red"], []);
                arms.Add((await Client.GetGrain<IPredictorGrain>(model).PredictBatchAsync(spelled)).Version);
            }

            Assert.Single(arms);
        }

        await grain.AbortRolloutAsync();
    }

    /// <summary>The model as the catalog lists it (what GET /api/models and the console's model list show).</summary>
    private async Task<ModelSummary> ListedAsync(string model)
    {
        string? cursor = null;
        do
        {
            var page = await CatalogIndex.ListModelsAsync(Client, 1000, cursor);
            if (page.Items.FirstOrDefault(m => m.Name == model) is { } found)
            {
                return found;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        throw new InvalidOperationException($"Model '{model}' is not listed.");
    }

    /// <summary>Sends traffic through the alias with feedback for each prediction until the rollout ends (or a deadline).</summary>
    private async Task<RolloutInfo> DriveAsync(string model, IModelGrain grain)
    {
        await FeedAsync(model, async () => (await grain.GetRolloutAsync()).Status != RolloutStatus.Running);
        return await grain.GetRolloutAsync();
    }

    /// <summary>Rounds of 20 predictions through the alias, each followed by its feedback, until <paramref name="done"/> (or 90 s).</summary>
    private async Task FeedAsync(string model, Func<Task<bool>> done)
    {
        var predictor = Client.GetGrain<IPredictorGrain>(model);
        var health = Client.GetGrain<IModelHealthGrain>(model);
        var random = new Random(5);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var items = ImmutableArray.CreateBuilder<FeedbackItem>();
            for (var i = 0; i < 20; i++)
            {
                var (batch, truth) = Batch(random);
                var result = await predictor.PredictBatchAsync(batch);
                items.Add(new FeedbackItem(result.PredictionIds[0], truth[0]));
            }

            await health.RecordFeedbackAsync(items.ToImmutable());
            if (await done())
            {
                return;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>v1 trained on the data; v2 on the same rows with labels shuffled (bad) or on the data again with another learner (good).</summary>
    private async Task<(string Model, IModelGrain Grain)> TrainAsync(bool good, bool bad)
    {
        var (dataset, shuffled, model) = (TestData.Name("ds"), TestData.Name("shuffled"), TestData.Name("m"));
        var csv = TestData.Binary(400);
        await Client.UploadDatasetAsync(dataset, csv);
        await Client.UploadDatasetAsync(shuffled, ShuffleLabels(csv));
        var grain = Client.GetGrain<IModelGrain>(model);
        var first = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Client, model, first.Version)).Status);
        var second = await grain.TrainAsync(new TrainingRequest(bad ? shuffled : dataset, null, "label",
            Algorithm: bad || !good ? TrainingAlgorithm.Linear : TrainingAlgorithm.LightGbm));
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Client, model, second.Version)).Status);
        return (model, grain);
    }

    /// <summary>A model with <paramref name="versions"/> linear versions trained on <paramref name="csv"/>.</summary>
    private async Task<(string Model, IModelGrain Grain)> TrainOnAsync(string csv, string label, int versions)
    {
        var (dataset, model) = (TestData.Name("ds"), TestData.Name("m"));
        await Client.UploadDatasetAsync(dataset, csv);
        var grain = Client.GetGrain<IModelGrain>(model);
        for (var i = 0; i < versions; i++)
        {
            var version = await grain.TrainAsync(new TrainingRequest(dataset, null, label, Algorithm: TrainingAlgorithm.Linear));
            Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Client, model, version.Version)).Status);
        }

        return (model, grain);
    }

    private static string ShuffleLabels(string csv)
    {
        var lines = csv.TrimEnd('\n').Split('\n');
        var labels = lines.Skip(1).Select(l => l[(l.LastIndexOf(',') + 1)..]).ToArray();
        new Random(11).Shuffle(labels);
        var text = new StringBuilder(lines[0]).Append('\n');
        for (var i = 1; i < lines.Length; i++)
        {
            text.Append(lines[i][..(lines[i].LastIndexOf(',') + 1)]).Append(labels[i - 1]).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Rows like <see cref="TestData.Binary"/>'s, with their true labels.</summary>
    private static (PredictionBatch Batch, FeatureValue[] Truth) Batch(Random random, int rows = 1)
    {
        var cells = new List<FeatureValue>();
        var truth = new FeatureValue[rows];
        for (var r = 0; r < rows; r++)
        {
            var x1 = Math.Round((random.NextDouble() * 4) - 2, 4);
            var x2 = Math.Round((random.NextDouble() * 4) - 2, 4);
            cells.AddRange([(double)r, x1, x2, x1 + x2 > 0 ? "red" : "blue"]);
            truth[r] = x1 + x2 > 0 ? "yes" : "no";
        }

        return (new PredictionBatch(["id", "x1", "x2", "color"], rows, [.. cells], []), truth);
    }
}
