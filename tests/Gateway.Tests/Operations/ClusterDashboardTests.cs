using System.Text.Json.Nodes;

namespace OrleansMl.Gateway.Tests.Operations;

/// <summary>
/// The Orleans Dashboard in cluster mode: the gateway is an Orleans client and serves the page, the dashboard's grains
/// run on the silos, and what it shows is the cluster's (both silos).
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class ClusterDashboardTests
{
    [Fact]
    public async Task Dashboard_OnAClientGateway_ShowsEverySiloOfTheCluster()
    {
        await using var cluster = await LocalCluster.StartAsync(silos: 2, gateways: 1, new Dictionary<string, string>
        {
            ["OrleansMl__Dashboard"] = "true",
        });
        var page = await cluster.Http.GetStringAsync(new Uri(cluster.GatewayAddress(1), "/dashboard/"));
        Assert.Contains("Orleans Dashboard", page, StringComparison.Ordinal);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        JsonArray hosts;
        do
        {
            var counters = JsonNode.Parse(await cluster.Http.GetStringAsync(new Uri(cluster.GatewayAddress(1), "/dashboard/DashboardCounters")))!;
            hosts = counters["hosts"]!.AsArray();
            if (hosts.Count(h => h!["status"]!.GetValue<string>() == "Active") == 2)
            {
                break;
            }

            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(2, hosts.Count(h => h!["status"]!.GetValue<string>() == "Active"));
    }
}
