namespace OrleansMl.Tests.Support;

/// <summary>Models trained the way many tests start from.</summary>
public static class TrainedModels
{
    /// <summary>
    /// A new model with two succeeded versions on a new <see cref="TestData.Binary"/> dataset of 300 rows: v1 linear, v2
    /// LightGBM. The names start with <paramref name="prefix"/>.
    /// </summary>
    public static async Task<(string Model, IModelGrain Grain)> LinearThenLightGbmAsync(IGrainFactory grains, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(grains);
        var (dataset, model) = (TestData.Name($"{prefix}ds"), TestData.Name($"{prefix}m"));
        await grains.UploadDatasetAsync(dataset, TestData.Binary(300));
        var grain = grains.GetGrain<IModelGrain>(model);
        foreach (var algorithm in new[] { TrainingAlgorithm.Linear, TrainingAlgorithm.LightGbm })
        {
            var queued = await grain.TrainAsync(new TrainingRequest(dataset, null, "label", Algorithm: algorithm));
            Assert.Equal(TrainingStatus.Succeeded, (await Eventually.TerminalAsync(grains, model, queued.Version)).Status);
        }

        return (model, grain);
    }
}
