using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace OrleansMl.Tests.Cluster;

public sealed class FeatureValueWireTests
{
    [Theory]
    [InlineData("yes")]
    [InlineData("")]
    public void FeatureValue_OfAString_SurvivesTheWire(string text)
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var copy = serializer.Deserialize<FeatureValue>(serializer.SerializeToArray(FeatureValue.FromString(text)));

        Assert.Equal((FeatureValueKind.String, text), (copy.Kind, copy.Text));
    }

    [Fact]
    public void FeatureValue_OfANumberAndABoolean_SurviveTheWire()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var number = serializer.Deserialize<FeatureValue>(serializer.SerializeToArray(FeatureValue.FromNumber(2.5)));
        var flag = serializer.Deserialize<FeatureValue>(serializer.SerializeToArray(FeatureValue.FromBoolean(true)));

        Assert.Equal((FeatureValueKind.Number, 2.5), (number.Kind, number.Number));
        Assert.Equal((FeatureValueKind.Boolean, 1.0), (flag.Kind, flag.Number));
    }
}
