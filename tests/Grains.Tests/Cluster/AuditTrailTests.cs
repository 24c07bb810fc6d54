using System.Collections.Immutable;
using System.Security.Cryptography;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

/// <summary>
/// The grain that makes a change appends it to the audit log, with the caller, only once its own write succeeded: a
/// refused write leaves no entry, and an audit log that cannot be written does not fail the change.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AuditTrailTests(ClusterFixture fixture) : IDisposable
{
    private IClusterClient Grains => fixture.Client;

    public void Dispose()
    {
        fixture.Faults.Clear();
        Caller.Set(null);
    }

    [Fact]
    public async Task EveryChange_IsAppendedOnce_WithItsCaller_AndFailedWritesAppendNothing()
    {
        Caller.Set("alice");
        var (dataset, model) = (TestData.Name("at-ds"), TestData.Name("at-m"));
        var grain = Grains.GetGrain<IModelGrain>(model);

        using (fixture.Faults.FailWrites("dataset", dataset))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => Grains.UploadDatasetAsync(dataset, TestData.Binary(300)));
        }

        var uploaded = (await Grains.UploadDatasetAsync(dataset, TestData.Binary(300))).Version;

        using (fixture.Faults.FailWrites("model", model))
        {
            // The version grain stores its start, the registry's write fails: an orphan start is not a training request.
            await Assert.ThrowsAsync<StorageUnavailableException>(
                () => grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear)));
        }

        var first = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(Grains, model, first.Version)).Status);
        var longFit = ImmutableDictionary<string, double>.Empty.Add("trees", 10_000).Add("leaves", 16);
        var running = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.FastTree, Parameters: longFit));
        await Eventually.GetAsync(() => grain.GetVersionAsync(running.Version), v => v.Status == TrainingStatus.Running, what: "the job to run");
        using (fixture.Faults.FailWrites("version", ModelVersionKey.Format(model, running.Version)))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => grain.CancelAsync(running.Version));
        }

        Assert.Equal(TrainingStatus.Cancelled, (await grain.CancelAsync(running.Version)).Status);
        await grain.CancelAsync(running.Version);

        using (fixture.Faults.FailWrites("model", model))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => grain.SetAliasAsync(ModelAliases.Production, first.Version, "baseline"));
        }

        await grain.SetAliasAsync(ModelAliases.Production, first.Version, "baseline");
        await grain.SetAliasAsync(ModelAliases.Production, first.Version, "again");
        await grain.SetAliasAsync("staging", first.Version);
        await grain.SetAliasAsync("staging", first.Version);
        var third = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        await Eventually.TerminalAsync(Grains, model, third.Version);
        await grain.SetAliasAsync(ModelAliases.Production, third.Version);
        using (fixture.Faults.FailWrites("model", model))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => grain.RollbackAliasAsync(ModelAliases.Production, "worse"));
        }

        await grain.RollbackAliasAsync(ModelAliases.Production, "worse");

        Assert.Equal(
        [
            $"alice model.alias.rolled-back models/{model}/aliases/production v3 v1 worse",
            $"alice model.alias.promoted models/{model}/aliases/production v1 v3 ",
            $"alice model.training.requested models/{model} - v3 dataset {dataset} v1, label label, task auto, algorithm linear",
            $"alice model.alias.promoted models/{model}/aliases/staging - v1 ",
            $"alice model.alias.promoted models/{model}/aliases/production - v1 baseline",
            $"alice model.training.cancelled models/{model}/versions/2 running cancelled ",
            $"alice model.training.requested models/{model} - v2 dataset {dataset} v1, label label, task auto, algorithm fasttree",
            $"alice model.training.requested models/{model} - v1 dataset {dataset} v1, label label, task auto, algorithm linear",
            $"alice dataset.version.created datasets/{dataset} - v1 300 rows, {uploaded.Columns.Length} columns, {uploaded.SizeBytes} bytes",
        ], await EntriesAsync(dataset, model));
    }

    [Fact]
    public async Task Deletes_AreAudited_WithTheirCaller_AndRefusedDeletesAreNot()
    {
        Caller.Set("carol");
        var (dataset, model) = (TestData.Name("at-del"), TestData.Name("at-delm"));
        var grain = Grains.GetGrain<IModelGrain>(model);
        var uploaded = (await Grains.UploadDatasetAsync(dataset, TestData.Binary(200))).Version;
        var trained = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: TrainingAlgorithm.Linear));
        await Eventually.TerminalAsync(Grains, model, trained.Version);

        await Assert.ThrowsAsync<VersionInUseException>(() => Grains.GetGrain<IDatasetGrain>(dataset).DeleteVersionAsync(1));
        await grain.DeleteVersionAsync(trained.Version);
        await Grains.GetGrain<IDatasetGrain>(dataset).DeleteVersionAsync(1);

        Assert.Equal(
        [
            $"carol dataset.version.deleted datasets/{dataset} v1 - ",
            $"carol model.version.deleted models/{model} v1 - ",
            $"carol model.training.requested models/{model} - v1 dataset {dataset} v1, label label, task auto, algorithm linear",
            $"carol dataset.version.created datasets/{dataset} - v1 200 rows, {uploaded.Columns.Length} columns, {uploaded.SizeBytes} bytes",
        ], await EntriesAsync(dataset, model));
    }

    [Fact]
    public async Task AKeyRegistryWriteThatFails_ChangesNothing_AndIsNotAudited()
    {
        Caller.Set("admin");
        var registry = Grains.GetGrain<IApiKeyRegistryGrain>(IApiKeyRegistryGrain.Key);
        var name = TestData.Name("at-key");
        var request = new NewApiKey(name, ["read"], [], null, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));

        using (fixture.Faults.FailWrites("keys"))
        {
            var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => registry.CreateAsync(request));
            Assert.Contains("API key registry", error.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(await registry.ListAsync(), k => k.Name == name);
        Assert.Empty(await EntriesAsync(name));

        var key = await registry.CreateAsync(request);
        using (fixture.Faults.FailWrites("keys"))
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => registry.RevokeAsync(key.Id));
        }

        Assert.Null((await registry.ListAsync()).Single(k => k.Id == key.Id).RevokedAt);
        await registry.RevokeAsync(key.Id);

        Assert.Equal(
        [
            $"admin key.revoked keys/{key.Id} valid revoked {name}",
            $"admin key.created keys/{key.Id} - {name} scopes read",
        ], await EntriesAsync(key.Id));
        Assert.Equal(("admin", "admin"), (key.CreatedBy, (await registry.ListAsync()).Single(k => k.Id == key.Id).RevokedBy));
    }

    [Fact]
    public async Task AnAuditLogThatCannotBeWritten_DoesNotFailTheChange_AndLaterChangesAreListed()
    {
        Caller.Set("bob");
        var name = TestData.Name("at-log");

        using (fixture.Faults.FailWrites("audit"))
        {
            var stored = await Grains.UploadDatasetAsync(name, TestData.Binary(50));
            Assert.True(stored.Created);
        }

        Assert.Empty(await EntriesAsync(name));
        var second = (await Grains.UploadDatasetAsync(name, TestData.Binary(50, seed: 2))).Version;
        Assert.Equal(2, second.Version);
        Assert.Equal([$"bob dataset.version.created datasets/{name} - v2 50 rows, {second.Columns.Length} columns, {second.SizeBytes} bytes"],
            await EntriesAsync(name));
    }

    /// <summary>The newest entries whose target names one of <paramref name="names"/>, as "by action target from to detail".</summary>
    private async Task<List<string>> EntriesAsync(params string[] names)
    {
        var page = await Grains.GetGrain<IAuditLogGrain>(IAuditLogGrain.Key).ListAsync(new AuditQuery(null, null, IAuditLogGrain.MaxLimit, [], IncludeKeys: true));
        return [.. page.Entries
            .Where(e => names.Any(n => e.Target.Split('/').Contains(n)))
            .Select(e => $"{e.By} {e.Action} {e.Target} {e.From ?? "-"} {e.To ?? "-"} {e.Detail}")];
    }
}
