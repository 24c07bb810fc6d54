using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Gateway.Ui;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>
/// The gateways' data-protection keys live in the cluster: what one gateway protects (the console cookie, a stored key,
/// a prerendered page's state) another gateway of the same cluster reads, with nothing shared but the cluster.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DataProtectionKeyRingTests(GatewayFactory gateway)
{
    [Fact]
    public async Task AnotherGatewayOfTheCluster_ReadsWhatThisOneProtected()
    {
        var payload = gateway.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("console").Protect("a console session");

        // A second gateway's data-protection system: its own services, the same cluster.
        await using var other = new ServiceCollection()
            .AddLogging()
            .AddDataProtection().SetApplicationName("OrleansMl").Services
            .Configure<KeyManagementOptions>(o => o.XmlRepository = new ClusterKeyRepository(gateway.Services.GetRequiredService<IGrainFactory>()))
            .BuildServiceProvider();
        Assert.Equal("a console session", other.GetRequiredService<IDataProtectionProvider>().CreateProtector("console").Unprotect(payload));

        var ring = gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IDataProtectionKeyRingGrain>(IDataProtectionKeyRingGrain.Key);
        Assert.NotEmpty(await ring.GetAllAsync());
    }

    [Fact]
    public async Task TheKeyRing_RefusesAnEmptyOrOversizedElement_AndKeepsWhatItHad()
    {
        // The gateway makes its first key when it first protects something: before that the ring may change under the test.
        gateway.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("console").Protect("first key");
        var ring = gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IDataProtectionKeyRingGrain>(IDataProtectionKeyRingGrain.Key);
        var before = await ring.GetAllAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => ring.AddAsync("key-empty", " "));
        await Assert.ThrowsAsync<ArgumentException>(() => ring.AddAsync("key-huge", new string('x', IDataProtectionKeyRingGrain.MaxElementLength + 1)));
        Assert.Equal(before.ToArray(), (await ring.GetAllAsync()).ToArray());
    }
}
