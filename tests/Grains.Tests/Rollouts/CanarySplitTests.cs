using OrleansMl.Health;
using OrleansMl.Predictions;

namespace OrleansMl.Tests.Rollouts;

public sealed class CanarySplitTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(50)]
    [InlineData(90)]
    public void TenThousandKeys_SplitWithinTwoPointsOfTheWeight(int weight)
    {
        var keys = Enumerable.Range(0, 10_000).Select(i => $"customer-{i}").ToList();

        var share = 100.0 * keys.Count(k => CanarySplit.ToCandidate(k, weight)) / keys.Count;

        Assert.InRange(share, weight - 2, weight + 2);
    }

    [Fact]
    public void TheSameKey_AlwaysGetsTheSameArm()
    {
        foreach (var key in Enumerable.Range(0, 1000).Select(i => $"k{i}"))
        {
            var first = CanarySplit.ToCandidate(key, 30);
            Assert.All(Enumerable.Range(0, 5), _ => Assert.Equal(first, CanarySplit.ToCandidate(key, 30)));
        }

        Assert.False(CanarySplit.ToCandidate("any", 0));
        Assert.True(CanarySplit.ToCandidate("any", 100));
    }

    [Fact]
    public void PredictionIds_RoundTrip_AndRejectAlteredOrForeignIds()
    {
        var ids = PredictionIds.FromSettings(null, "deployment");
        var id = ids.Create("churn", 3, 1_764_590_400_000, regression: false, predicted: 1);
        var value = ids.Create("price", 2, 1_764_590_400_000, regression: true, predicted: 12.5);

        Assert.Equal(PredictionIds.TextLength, id.Length);
        Assert.Equal(new PredictionId(3, 1_764_590_400_000, 1), ids.Read("churn", id, regression: false));
        Assert.Equal(12.5, ids.Read("price", value, regression: true)?.Predicted);
        Assert.Equal(3, PredictionIds.PeekVersion(id));
        Assert.Null(ids.Read("other", id, regression: false));
        Assert.Null(ids.Read("churn", id[..^2] + (id[^2] == 'A' ? "B" : "A") + id[^1], regression: false));
        Assert.Null(PredictionIds.FromSettings("another-secret-key", "deployment").Read("churn", id, regression: false));
        Assert.Null(ids.Read("churn", "not an id", regression: false));
        Assert.NotEqual(id, ids.Create("churn", 3, 1_764_590_400_000, regression: false, predicted: 1));
    }

    [Fact]
    public void PredictionIds_OfABinaryModel_CarryThePositiveClassProbability_ForAucFromFeedback()
    {
        var ids = PredictionIds.FromSettings(null, "deployment");

        var scored = ids.Read("churn", ids.Create("churn", 3, 1_764_590_400_000, false, predicted: 0, probability: 0.2734), regression: false);
        var unscored = ids.Read("churn", ids.Create("churn", 3, 1_764_590_400_000, false, predicted: 4), regression: false);

        Assert.Equal(0, scored?.Predicted);
        Assert.Equal(0.2734, scored!.Value.Probability!.Value, 4);
        Assert.Equal(4, unscored?.Predicted);
        Assert.Null(unscored!.Value.Probability);
    }

    [Fact]
    public void PredictionIds_OfABatch_AreCheckedByTheBlake3Package_ForEveryNameLengthAndTask()
    {
        // Every id of a batch must read back, with its own values, for every name length and task.
        var ids = PredictionIds.FromSettings(null, "deployment");
        var other = PredictionIds.FromSettings("another-secret-key", "deployment");
        for (var length = 1; length <= 64; length += 3)
        {
            var model = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));
            foreach (var count in new[] { 1, 7, 8, 13 })
            {
                var labels = ids.CreateMany(model, 4, 1_764_590_400_000, regression: false, count, new Rows(binary: true));
                var values = ids.CreateMany(model, 5, 1_764_590_400_001, regression: true, count, new Rows(binary: false));

                Assert.Equal(count, labels.Distinct().Count());
                for (var r = 0; r < count; r++)
                {
                    var label = ids.Read(model, labels[r], regression: false);
                    Assert.NotNull(label);
                    Assert.Equal((4, 1_764_590_400_000L, (double)(r % 2)), (label.Value.Version, label.Value.UnixMilliseconds, label.Value.Predicted));
                    Assert.Equal(r / 16.0, label.Value.Probability!.Value, 4);
                    Assert.Equal(new PredictionId(5, 1_764_590_400_001, (float)(r * 1.5)), ids.Read(model, values[r], regression: true));
                    Assert.Null(ids.Read(model + "x", labels[r], regression: false));
                    Assert.Null(other.Read(model, labels[r], regression: false));
                }
            }
        }
    }

    private readonly struct Rows(bool binary) : IPredictedRows
    {
        public double Predicted(int row) => binary ? row % 2 : row * 1.5;

        public double Probability(int row) => binary ? row / 16.0 : double.NaN;
    }

    [Fact]
    public void PredictionIds_OfTheFirstFormat_SignedWithHmac_AreStillRead()
    {
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var payload = new byte[25];
        payload[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(1), 7);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(5), 1_764_590_400_000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(21), 2);
        byte[] message = [.. System.Text.Encoding.UTF8.GetBytes("churn"), 0, .. payload];
        var mac = System.Security.Cryptography.HMACSHA256.HashData(key, message);
        var id = System.Buffers.Text.Base64Url.EncodeToString([.. payload, .. mac.AsSpan(0, 8)]);

        var read = new PredictionIds(key).Read("churn", id, regression: false);

        Assert.Equal(new PredictionId(7, 1_764_590_400_000, 2), read);
        Assert.Null(read!.Value.Probability);
        Assert.Null(new PredictionIds(key).Read("other", id, regression: false));
    }

    [Fact]
    public void AucFromFeedback_IsTheShareOfPositiveNegativePairsRankedRight()
    {
        var perfect = new HealthCounts();
        var inverted = new HealthCounts();
        var mixed = new HealthCounts();
        foreach (var (p, positive) in new[] { (0.9, true), (0.8, true), (0.3, false), (0.1, false) })
        {
            perfect.AddScored(p, positive);
            inverted.AddScored(p, !positive);
        }

        // Positives at 0.9 and 0.2, negatives at 0.5 and 0.1: three of four pairs ranked right.
        foreach (var (p, positive) in new[] { (0.9, true), (0.2, true), (0.5, false), (0.1, false) })
        {
            mixed.AddScored(p, positive);
        }

        Assert.Equal(1.0, perfect.Auc);
        Assert.Equal(0.0, inverted.Auc);
        Assert.Equal(0.75, mixed.Auc);
        Assert.Null(new HealthCounts().Auc);
        var merged = new HealthCounts();
        merged.Add(perfect);
        merged.Add(inverted);
        Assert.Equal(0.5, merged.Auc);
    }
}
