using System.Net;
using OrleansMl.Gateway.Tests.Mcp;
using Xunit.Abstractions;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>
/// The budget of dataset uploads and training requests in cluster mode, with real processes (<c>scripts/cluster.sh</c>):
/// one silo and two gateways on PostgreSQL. A caller's budget is the cluster's, not each gateway's.
/// </summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class ClusterLimitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ACallersUploads_AreCountedAcrossGateways()
    {
        await using var cluster = await LocalCluster.StartAsync(silos: 1, gateways: 2, new Dictionary<string, string>
        {
            ["OrleansMl__Auth__AdminKey"] = SecureGateway.AdminKey,
            ["OrleansMl__Limits__TrainingRequestsPerMinute"] = "2",
        });
        try
        {
            using var first = Client(cluster.GatewayAddress(1));
            using var second = Client(cluster.GatewayAddress(2));
            var dataset = McpTestClient.Unique("cluster-limited");

            var answers = new List<HttpResponseMessage>
            {
                await first.PostCsvAsync($"/api/datasets/{dataset}", "a,b\n1,1\n2,2\n"),
                await second.PostCsvAsync($"/api/datasets/{dataset}", "a,b\n1,2\n2,3\n"),
                await first.PostCsvAsync($"/api/datasets/{dataset}", "a,b\n1,3\n2,4\n"),
                await second.PostCsvAsync($"/api/datasets/{dataset}", "a,b\n1,4\n2,5\n"),
            };
            var versions = (await (await first.GetAsync($"/api/datasets/{dataset}")).ReadJsonAsync())["versions"]!.AsArray().Count;

            // Two a minute: each gateway alone would have taken two.
            Assert.Equal(
                [HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests],
                answers.Select(a => a.StatusCode));
            Assert.InRange(answers[3].Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            Assert.Contains("More than 2 dataset uploads and training requests per minute", await answers[3].ProblemDetailAsync(), StringComparison.Ordinal);
            Assert.Equal(2, versions);
        }
        catch
        {
            output.WriteLine(cluster.Logs());
            throw;
        }
    }

    private static HttpClient Client(Uri address)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", SecureGateway.AdminKey);
        return client;
    }
}
