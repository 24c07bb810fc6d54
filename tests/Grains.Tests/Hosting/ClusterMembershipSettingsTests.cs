using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansMl.Hosting;

namespace OrleansMl.Tests.Hosting;

/// <summary>How fast a cluster-mode silo gives up on a crashed peer is a setting with a default that keeps failover short.</summary>
public sealed class ClusterMembershipSettingsTests
{
    [Fact]
    public void ClusterSilo_DeclaresAPeerDeadAfterTwoMissedProbes_ByDefault()
    {
        using var host = BuildClusterSilo();
        Assert.Equal(2, host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value.NumMissedProbesLimit);
    }

    [Fact]
    public void ClusterSilo_TakesTheMissedProbesLimitFromConfiguration()
    {
        using var host = BuildClusterSilo(("OrleansMl:MissedProbesLimit", "4"));
        Assert.Equal(4, host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value.NumMissedProbesLimit);
    }

    [Fact]
    public async Task MissedProbesLimit_BelowTwo_FailsStartUp_NamingTheSettingToChange()
    {
        using var host = BuildClusterSilo(("OrleansMl:MissedProbesLimit", "1"));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("OrleansMl__MissedProbesLimit", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OrleansMl:TrainingConcurrency", "0", "OrleansMl__TrainingConcurrency")]
    [InlineData("OrleansMl:MaxPredictionRows", "0", "OrleansMl__MaxPredictionRows")]
    [InlineData("OrleansMl:DatasetCacheTtl", "-00:01:00", "OrleansMl__DatasetCacheTtl")]
    [InlineData("OrleansMl:AdvertisedAddress", "silo-1", "OrleansMl__AdvertisedAddress")]
    public async Task AnInvalidSetting_FailsStartUp_NamingItsEnvironmentVariable(string key, string value, string variable)
    {
        using var host = BuildClusterSilo((key, value));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownMode_IsRejected_NamingItsEnvironmentVariable()
    {
        var error = Assert.Throws<OptionsValidationException>(() => BuildClusterSilo(("OrleansMl:Mode", "Sharded")).Dispose());
        Assert.Contains("OrleansMl__Mode", error.Message, StringComparison.Ordinal);
    }

    private static IHost BuildClusterSilo(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrleansMl:Mode"] = "Cluster",
            // Building the host opens no connection: nothing needs to listen here.
            ["OrleansMl:PostgresConnectionString"] = "Host=127.0.0.1;Port=1;Username=postgres;Database=unused",
        });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.AddOrleansMlSilo();
        return builder.Build();
    }
}
