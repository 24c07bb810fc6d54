using System.Globalization;
using System.Text;
using OrleansMl.Tests.Support;

namespace OrleansMl.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class DatasetDriftTests(ClusterFixture fixture)
{
    private IClusterClient Grains => fixture.Client;

    /// <summary>A numeric, a categorical and a boolean column, drawn from fixed distributions (shiftable).</summary>
    internal static string Sample(int rows, int seed, double shift = 0, double redShare = 0.5, string extraColumn = "")
    {
        var random = new Random(seed);
        var csv = new StringBuilder("amount,spread,color,member" + (extraColumn.Length > 0 ? "," + extraColumn : string.Empty) + "\n");
        for (var i = 0; i < rows; i++)
        {
            var amount = 100 + (20 * Gaussian(random)) + (20 * shift);
            var spread = random.NextDouble() * 10;
            var u = random.NextDouble();
            var color = u < redShare ? "red" : u < redShare + ((1 - redShare) / 2) ? "green" : "blue";
            var member = random.NextDouble() < 0.3 ? "yes" : "no";
            csv.Append(CultureInfo.InvariantCulture, $"{amount:F2},{spread:F3},{color},{member}");
            csv.Append(extraColumn.Length > 0 ? $",{random.Next(5)}\n" : "\n");
        }

        return csv.ToString();
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public async Task Drift_OfAnotherSampleOfTheSameData_IsNearZero_AndOfAShiftedCopy_IsLargeOnTheShiftedColumn()
    {
        var name = TestData.Name("drift");
        await Grains.UploadDatasetAsync(name, Sample(3000, seed: 1));
        await Grains.UploadDatasetAsync(name, Sample(3000, seed: 2));
        await Grains.UploadDatasetAsync(name, Sample(3000, seed: 3, shift: 1.5));
        var dataset = Grains.GetGrain<IDatasetGrain>(name);

        var same = await dataset.GetDriftAsync(2, 1);
        var shifted = await dataset.GetDriftAsync(3, 1);

        Assert.Equal((name, 2, 1, 3000L, 3000L), (same.Dataset, same.Version, same.Against, same.Rows, same.AgainstRows));
        Assert.All(same.Columns, c => Assert.Equal(DriftStatus.Measured, c.Status));
        Assert.True(same.MaxPsi < 0.05, $"max PSI of a resample: {same.MaxPsi} on {same.MaxColumn}");
        Assert.Equal("amount", shifted.MaxColumn);
        Assert.True(shifted.MaxPsi > 1, $"PSI of a 1.5 sd shift: {shifted.MaxPsi}");
        var drifts = shifted.Columns.ToDictionary(c => c.Column);
        Assert.True(drifts["spread"].Psi < 0.05, $"unshifted column: {drifts["spread"].Psi}");
        Assert.True(drifts["color"].Psi < 0.05, $"unshifted column: {drifts["color"].Psi}");

        // The bins and both sides' shares line up, each side's shares summing to one (missing cells included).
        var amount = drifts["amount"];
        Assert.Equal(11, amount.Bins.Length);
        Assert.Equal("(missing)", amount.Bins[^1]);
        Assert.StartsWith("< ", amount.Bins[0], StringComparison.Ordinal);
        Assert.Equal(amount.Bins.Length, amount.Shares.Length);
        Assert.Equal(amount.Bins.Length, amount.AgainstShares.Length);
        Assert.Equal(1, amount.Shares.Sum(), 6);
        Assert.Equal(1, amount.AgainstShares.Sum(), 6);
        Assert.True(amount.Shares[^2] > 0.4, "most shifted rows land in the top decile of the reference");
        Assert.Equal(["false", "true", "(missing)"], drifts["member"].Bins.ToArray());
    }

    [Fact]
    public async Task Drift_DetectsACategoricalShift_ByCategoryShare()
    {
        var name = TestData.Name("drift-cat");
        await Grains.UploadDatasetAsync(name, Sample(3000, seed: 1, redShare: 0.5));
        await Grains.UploadDatasetAsync(name, Sample(3000, seed: 2, redShare: 0.1));

        var drift = await Grains.GetGrain<IDatasetGrain>(name).GetDriftAsync(2, 1);

        Assert.Equal("color", drift.MaxColumn);
        var color = drift.Columns.Single(c => c.Column == "color");
        Assert.True(color.Psi > 0.5, $"PSI of red 50% -> 10%: {color.Psi}");
        Assert.Equal(ColumnKind.Categorical, color.Kind);
        var red = color.Bins.IndexOf("red");
        Assert.Equal(0.5, color.AgainstShares[red], 1);
        Assert.Equal(0.1, color.Shares[red], 1);
        Assert.Contains("(other)", color.Bins);
    }

    [Fact]
    public async Task Drift_WithoutAgainst_ComparesWithThePreviousLiveVersion_AndReportsAddedAndRemovedColumns()
    {
        var name = TestData.Name("drift-prev");
        await Grains.UploadDatasetAsync(name, Sample(500, seed: 1));
        await Grains.UploadDatasetAsync(name, Sample(500, seed: 2));
        await Grains.UploadDatasetAsync(name, Sample(500, seed: 3, extraColumn: "score").Replace("spread,", "width,", StringComparison.Ordinal));
        var dataset = Grains.GetGrain<IDatasetGrain>(name);
        await dataset.DeleteVersionAsync(2);

        var drift = await dataset.GetDriftAsync(3, DatasetDrift.PreviousVersion);

        Assert.Equal(1, drift.Against);
        var columns = drift.Columns.ToDictionary(c => c.Column);
        Assert.Equal(DriftStatus.Removed, columns["spread"].Status);
        Assert.Null(columns["spread"].Psi);
        Assert.Equal(DriftStatus.Added, columns["width"].Status);
        Assert.Equal(DriftStatus.Added, columns["score"].Status);
        Assert.Null(columns["score"].AgainstKind);
        Assert.Equal(DriftStatus.Measured, columns["amount"].Status);
        Assert.Equal(["amount", "spread", "color", "member", "width", "score"], drift.Columns.Select(c => c.Column));
    }

    [Fact]
    public async Task Drift_RefusesTheSameVersion_DeletedOrUnknownVersions_AndAFirstVersionWithoutAgainst()
    {
        var name = TestData.Name("drift-bad");
        await Grains.UploadDatasetAsync(name, Sample(200, seed: 1));
        await Grains.UploadDatasetAsync(name, Sample(200, seed: 2));
        await Grains.UploadDatasetAsync(name, Sample(200, seed: 3));
        var dataset = Grains.GetGrain<IDatasetGrain>(name);
        await dataset.DeleteVersionAsync(2);

        var self = await Assert.ThrowsAsync<InvalidDriftRequestException>(() => dataset.GetDriftAsync(3, 3));
        var first = await Assert.ThrowsAsync<InvalidDriftRequestException>(() => dataset.GetDriftAsync(1, DatasetDrift.PreviousVersion));
        var unknown = await Assert.ThrowsAsync<DatasetNotFoundException>(() => dataset.GetDriftAsync(9, 1));
        var unknownAgainst = await Assert.ThrowsAsync<DatasetNotFoundException>(() => dataset.GetDriftAsync(1, 7));
        var deleted = await Assert.ThrowsAsync<DatasetNotFoundException>(() => dataset.GetDriftAsync(3, 2));
        var deletedMeasured = await Assert.ThrowsAsync<DatasetNotFoundException>(() => dataset.GetDriftAsync(2, 1));
        var noDataset = await Assert.ThrowsAsync<DatasetNotFoundException>(() => Grains.GetGrain<IDatasetGrain>(TestData.Name("none")).GetDriftAsync(2, 1));

        Assert.Contains("with itself", self.Message, StringComparison.Ordinal);
        Assert.Contains("no live version older than version 1", first.Message, StringComparison.Ordinal);
        Assert.Contains("no version 9", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("no version 7", unknownAgainst.Message, StringComparison.Ordinal);
        Assert.Contains("version 2 was deleted", deleted.Message, StringComparison.Ordinal);
        Assert.Contains("version 2 was deleted", deletedMeasured.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", noDataset.Message, StringComparison.Ordinal);
    }
}
