using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>Cross-site protection (Origin, upload content types) and rate limits per credential.</summary>
public sealed class RequestGuardTests
{
    [Fact]
    public async Task StateChangingRequests_FromAForeignBrowserOrigin_AreRefused_ReadsAreNot()
    {
        await using var factory = SecureGateway.Create(allowedHosts: "localhost;127.0.0.1;[::1]");
        using var client = factory.Client(SecureGateway.AdminKey);
        var dataset = McpTestClient.Unique("origin");

        var foreign = await SendAsync(client, HttpMethod.Post, $"/api/datasets/{dataset}", "http://evil.example.com", Csv("a,b\n1,2\n"));
        var foreignPut = await SendAsync(client, HttpMethod.Put, "/api/models/m/aliases/production", "http://evil.example.com", Json("""{"version":1}"""));
        var foreignDelete = await SendAsync(client, HttpMethod.Delete, "/api/keys/key_0000000000000000", "http://evil.example.com");
        var foreignRead = await SendAsync(client, HttpMethod.Get, "/api/datasets", "http://evil.example.com");
        var local = await SendAsync(client, HttpMethod.Post, $"/api/datasets/{dataset}", "http://localhost:5173", Csv("a,b\n1,2\n"));

        foreach (var refused in new[] { foreign, foreignPut, foreignDelete })
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("origin 'http://evil.example.com' are refused", await refused.ProblemDetailAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, foreignRead.StatusCode);
        Assert.Equal(HttpStatusCode.Created, local.StatusCode);
        Assert.DoesNotContain(dataset + "\"", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/datasets/{dataset}x")).StatusCode);
    }

    [Fact]
    public async Task AHostHeaderNotInAllowedHosts_IsA400ProblemNamingIt_WithTheHeadersOfEveryAnswer()
    {
        await using var factory = SecureGateway.Create(allowedHosts: "localhost;127.0.0.1;[::1]");
        using var client = factory.CreateClient();

        var local = await WithHostAsync(client, "/health/live", "localhost:8080");
        var foreign = await WithHostAsync(client, "/api/models", "evil.example.com:8080");
        var foreignProbe = await WithHostAsync(client, "/health/live", "rebound.example.net");

        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        foreach (var refused in new[] { foreign, foreignProbe })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal(["nosniff"], refused.Headers.GetValues("X-Content-Type-Options"));
            Assert.Equal("Host not allowed", (await refused.ReadJsonAsync())["title"]!.GetValue<string>());
        }

        Assert.Equal(
            "Host 'evil.example.com:8080' is not a host name this gateway serves: it answers only to the names in its AllowedHosts setting "
            + "(a protection against DNS rebinding). Call it by one of those names, or add this one to AllowedHosts.",
            await foreign.ProblemDetailAsync());
        Assert.StartsWith("Host 'rebound.example.net' is not a host name", await foreignProbe.ProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/json", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(null, HttpStatusCode.UnsupportedMediaType)]
    [InlineData("text/csv", HttpStatusCode.Created)]
    [InlineData("application/csv", HttpStatusCode.Created)]
    [InlineData("text/csv; charset=utf-8", HttpStatusCode.Created)]
    public async Task DatasetUpload_AcceptsOnlyCsvAndMultipart(string? contentType, HttpStatusCode expected)
    {
        await using var factory = SecureGateway.Create();
        using var client = factory.Client(SecureGateway.AdminKey);
        var dataset = McpTestClient.Unique("media");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("a,b\n1,2\n3,4\n"));
        if (contentType is not null)
        {
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        var response = await client.PostAsync($"/api/datasets/{dataset}", content);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.UnsupportedMediaType)
        {
            var detail = await response.ProblemDetailAsync();
            Assert.Contains("text/csv, application/csv or multipart/form-data", detail, StringComparison.Ordinal);
            Assert.Contains(contentType ?? "missing", detail, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/datasets/{dataset}")).StatusCode);
        }
    }

    [Fact]
    public async Task RequestsPerSecond_AreLimitedPerCredential_With429AndRetryAfter()
    {
        await using var factory = SecureGateway.Create(new Dictionary<string, string> { ["OrleansMl:Limits:RequestsPerSecond"] = "3" });
        var (_, first) = await factory.CreateKeyAsync("busy", ["read"]);
        var (_, second) = await factory.CreateKeyAsync("quiet", ["read"]);
        using var busy = factory.Client(first);
        using var quiet = factory.Client(second);

        var burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => busy.GetAsync("/api/models")));
        var other = await quiet.GetAsync("/api/models");
        var health = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => busy.GetAsync("/health/live")));

        var limited = burst.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.Contains(burst, r => r.StatusCode == HttpStatusCode.OK);
        Assert.True(limited[0].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited[0].Headers.RetryAfter}");
        Assert.Contains("More than 3 requests per second", await limited[0].ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Contains("API key 'busy'", await limited[0].ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.All(health, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    [Fact]
    public async Task UploadsAndTraining_HaveTheirOwnLowerLimit_SharedByRestAndMcp()
    {
        await using var factory = SecureGateway.Create(new Dictionary<string, string> { ["OrleansMl:Limits:TrainingRequestsPerMinute"] = "2" });
        var (_, key) = await factory.CreateKeyAsync("trainer", ["read", "train"]);
        var (_, otherKey) = await factory.CreateKeyAsync("other-trainer", ["train"]);
        using var client = factory.Client(key);
        var dataset = McpTestClient.Unique("limited");

        var uploads = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            uploads.Add(await client.PostCsvAsync($"/api/datasets/{dataset}", $"a,b\n1,{i}\n2,{i}\n"));
        }

        var reads = await client.GetAsync($"/api/datasets/{dataset}");
        await using var mcp = await factory.ConnectMcpAsync(key);
        var mcpRefusal = await mcp.CallToolErrorAsync("create_dataset", new { name = dataset, csv = "a,b\n9,9\n" });
        using var other = factory.Client(otherKey);
        var otherUpload = await other.PostCsvAsync($"/api/datasets/{dataset}", "a,b\n7,7\n8,8\n");

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], uploads.Select(u => u.StatusCode));
        Assert.True(uploads[2].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Contains("More than 2 dataset uploads and training requests per minute", await uploads[2].ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, reads.StatusCode);
        Assert.Equal(2, (await reads.ReadJsonAsync())["versions"]!.AsArray().Count);
        Assert.Contains("Too many requests", mcpRefusal, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, otherUpload.StatusCode);
    }

    [Fact]
    public async Task WhileTheClustersBudgetCannotBeReached_TheGatewayCountsUploadsItself()
    {
        var failing = new FailingCalls();
        await using var factory = SecureGateway.Create(
            new Dictionary<string, string> { ["OrleansMl:Limits:TrainingRequestsPerMinute"] = "2" },
            services => services.AddSingleton<IOutgoingGrainCallFilter>(failing));
        using var admin = factory.Client(SecureGateway.AdminKey);
        var dataset = McpTestClient.Unique("limited-locally");

        var uploads = new List<HttpResponseMessage>();
        using (failing.Fail(nameof(ITrainingBudgetGrain.TryTakeAsync), "admin", new SiloUnavailableException("the budget's silo is gone")))
        {
            for (var i = 0; i < 3; i++)
            {
                uploads.Add(await admin.PostCsvAsync($"/api/datasets/{dataset}", $"a,b\n1,{i}\n2,{i}\n"));
            }
        }

        // The cluster's budget again: it has taken nothing yet, so two more are accepted.
        var afterwards = new[] { await admin.PostCsvAsync($"/api/datasets/{dataset}", "a,b\n5,5\n6,6\n"), await admin.PostCsvAsync($"/api/datasets/{dataset}", "a,b\n7,7\n8,8\n") };

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests], uploads.Select(u => u.StatusCode));
        Assert.Contains("More than 2 dataset uploads and training requests per minute", await uploads[2].ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created], afterwards.Select(u => u.StatusCode));
    }

    [Fact]
    public async Task Metrics_AreOpenByDefault_AndNeedReadWhenProtected()
    {
        await using var open = SecureGateway.Create();
        await using var protectedMetrics = SecureGateway.Create(new Dictionary<string, string> { ["OrleansMl:Auth:ProtectMetrics"] = "true" });
        var (_, reader) = await protectedMetrics.CreateKeyAsync("metrics-reader", ["read"]);
        var (_, predictor) = await protectedMetrics.CreateKeyAsync("metrics-predictor", ["predict"]);
        using var anonymousOpen = open.CreateClient();
        using var anonymous = protectedMetrics.CreateClient();
        using var withRead = protectedMetrics.Client(reader);
        using var withPredict = protectedMetrics.Client(predictor);

        Assert.Equal(HttpStatusCode.OK, (await anonymousOpen.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withRead.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await withPredict.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, string origin, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Add("Origin", origin);
        return await client.SendAsync(request);
    }

    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static async Task<HttpResponseMessage> WithHostAsync(HttpClient client, string url, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Host = host;
        return await client.SendAsync(request);
    }
}
