using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary><c>GET /api/me</c> (what the console shows and hides by) and <c>GET /api/jobs</c> (its jobs page).</summary>
public sealed class CallerAndJobsRouteTests : IAsyncLifetime
{
    private static readonly string[] TrainAndRead = ["read", "train"];
    private static readonly string[] IrisOnly = ["iris*"];
    private static readonly string[] Going = ["queued", "running"];
    private readonly GatewayFactory _factory = SecureGateway.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Me_NamesTheKey_ItsScopes_AndItsNamePatterns()
    {
        var (_, key) = await _factory.CreateKeyAsync("trainer", TrainAndRead, IrisOnly);
        using var client = _factory.Client(key);
        var me = JsonNode.Parse(await client.GetStringAsync("/api/me"))!;
        Assert.Equal("trainer", me["name"]!.GetValue<string>());
        Assert.Equal(TrainAndRead, me["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(IrisOnly, me["names"]!.AsArray().Select(s => s!.GetValue<string>()));

        using var anonymous = _factory.Client(null);
        var refused = await anonymous.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Jobs_ListsRunningAndFinishedJobs_AndRefusesAnOversizedListing()
    {
        using var admin = _factory.Client(SecureGateway.AdminKey);
        var csv = await File.ReadAllTextAsync(Path.Combine(RestApiTests.RepositoryRoot(), "tests", "data", "iris.csv"));
        (await admin.PostAsync("/api/datasets/jobs-iris", new StringContent(csv, Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        var train = await admin.PostAsJsonAsync("/api/models/jobs-model/train", new { dataset = "jobs-iris", label = "target", algorithm = "linear" });
        Assert.Equal(HttpStatusCode.Accepted, train.StatusCode);

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        JsonNode jobs;
        do
        {
            jobs = JsonNode.Parse(await admin.GetStringAsync("/api/jobs"))!;
            var active = jobs["active"]!.AsArray();
            Assert.All(active, j => Assert.Contains(j!["status"]!.GetValue<string>(), Going));
            if (jobs["recent"]!.AsArray().Any(j => j!["model"]!.GetValue<string>() == "jobs-model"))
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        var done = jobs["recent"]!.AsArray().Single(j => j!["model"]!.GetValue<string>() == "jobs-model")!;
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.Equal(1.0, done["progress"]!.GetValue<double>());

        // The MCP tool answers the same listing.
        await using (var mcp = await _factory.ConnectMcpAsync(SecureGateway.AdminKey))
        {
            var result = await mcp.CallToolAsync("list_training_jobs", new Dictionary<string, object?> { ["recent"] = 5 });
            Assert.NotEqual(true, result.IsError);
            var structured = JsonNode.Parse(result.StructuredContent!.Value.GetRawText())!;
            Assert.Contains(structured["recent"]!.AsArray(), j => j!["model"]!.GetValue<string>() == "jobs-model");
        }

        var tooMany = await admin.GetAsync("/api/jobs?recent=101");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("recent must be 0 to 100", await tooMany.ProblemDetailAsync(), StringComparison.Ordinal);
    }
}
