using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>Keys over REST and MCP on one gateway: creation, listing, revocation, expiry, name patterns, hashed storage.</summary>
public sealed class ApiKeyTests : IAsyncLifetime, IDisposable
{
    private static readonly string[] Read = ["read"];
    private static readonly string[] Predict = ["predict"];

    private readonly GatewayFactory _factory = SecureGateway.Create();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task CreatedKey_IsShownOnce_ListedWithoutSecret_AndWorksAsHeaderOrBearer()
    {
        using var admin = _factory.Client(SecureGateway.AdminKey);
        var response = await admin.PostAsJsonAsync("/api/keys", new { name = "reader-1", scopes = Read });
        var created = await response.ReadJsonAsync();
        var key = created["key"]!.GetValue<string>();

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Matches("^oml_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal("admin", created["createdBy"]!.GetValue<string>());
        var listing = await admin.GetStringAsync("/api/keys");
        Assert.DoesNotContain(key, listing, StringComparison.Ordinal);
        Assert.DoesNotContain(key[4..], listing, StringComparison.Ordinal);
        var listed = JsonNode.Parse(listing)!["keys"]!.AsArray().Single(k => k!["name"]!.GetValue<string>() == "reader-1")!;
        Assert.Equal(created["id"]!.GetValue<string>(), listed["id"]!.GetValue<string>());
        Assert.Equal("read", listed["scopes"]![0]!.GetValue<string>());

        using var header = _factory.Client(key);
        using var bearer = _factory.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await header.GetAsync("/api/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/models")).StatusCode);
    }

    [Fact]
    public async Task NoOrBadCredentials_Get401WithWwwAuthenticate()
    {
        using var none = _factory.CreateClient();
        using var wrong = _factory.Client("oml_" + new string('A', 43));
        using var both = _factory.Client(SecureGateway.AdminKey);
        both.DefaultRequestHeaders.Authorization = new("Bearer", "something-else");

        foreach (var (client, detail) in new[] { (none, "Send an API key"), (wrong, "not valid"), (both, "Send one credential") })
        {
            var response = await client.GetAsync("/api/models");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.Contains(detail, await response.ProblemDetailAsync(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"scopes":["read"]}""", "name is required")]
    [InlineData("""{"name":"a b","scopes":["read"]}""", "Invalid key name 'a b'")]
    [InlineData("""{"name":"k"}""", "scopes is required")]
    [InlineData("""{"name":"k","scopes":["write"]}""", "Unknown scope 'write'")]
    [InlineData("""{"name":"k","scopes":["read"],"names":["fraud/*"]}""", "Invalid name pattern 'fraud/*'")]
    [InlineData("""{"name":"k","scopes":["read"],"expiresAt":"2001-01-01T00:00:00Z"}""", "is not in the future")]
    public async Task InvalidKeyRequests_Get400NamingTheProblem_AndCreateNothing(string body, string problem)
    {
        using var admin = _factory.Client(SecureGateway.AdminKey);
        var before = await admin.GetStringAsync("/api/keys");

        var response = await admin.PostAsync("/api/keys", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(problem, await response.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await admin.GetStringAsync("/api/keys"));
    }

    [Fact]
    public async Task KeyRequestsWithVeryLongValues_AreRefusedQuotingTheirStartAndLength_NotAllOfThem()
    {
        using var admin = _factory.Client(SecureGateway.AdminKey);
        var (name, scope, pattern, id) = (new string('n', 1000), new string('s', 100_000), new string('p', 1000) + "/", "key_" + new string('f', 3000));

        var badName = await admin.PostAsJsonAsync("/api/keys", new { name, scopes = Predict });
        var badScope = await admin.PostAsJsonAsync("/api/keys", new { name = "long-scope", scopes = new[] { scope } });
        var badPattern = await admin.PostAsJsonAsync("/api/keys", new { name = "long-pattern", scopes = Predict, names = new[] { pattern } });
        var unknownId = await admin.DeleteAsync($"/api/keys/{id}");

        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        Assert.StartsWith($"Invalid key name '{name[..64]}… (1000 characters)': use 1-64", await badName.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.StartsWith($"Unknown scope '{scope[..64]}… (100000 characters)': use read", await badScope.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.StartsWith($"Invalid name pattern '{pattern[..64]}… (1001 characters)': use 1-64", await badPattern.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknownId.StatusCode);
        Assert.StartsWith($"There is no key '{id[..64]}… (3004 characters)'.", await unknownId.ProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADuplicateNameAmongValidKeys_IsRefused()
    {
        await _factory.CreateKeyAsync("twice", ["read"]);
        using var admin = _factory.Client(SecureGateway.AdminKey);

        var response = await admin.PostAsJsonAsync("/api/keys", new { name = "twice", scopes = Predict });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("A key named 'twice' already exists", await response.ProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevokedKey_IsRefusedAtOnce_AndRevokingAgainChangesNothing()
    {
        var (id, key) = await _factory.CreateKeyAsync("to-revoke", ["read"]);
        using var client = _factory.Client(key);
        using var admin = _factory.Client(SecureGateway.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/datasets")).StatusCode);

        var revoked = await (await admin.DeleteAsync($"/api/keys/{id}")).ReadJsonAsync();
        var refused = await client.GetAsync("/api/datasets");
        var again = await admin.DeleteAsync($"/api/keys/{id}");
        var unknown = await admin.DeleteAsync("/api/keys/key_ffffffffffffffff");

        Assert.Equal("admin", revoked["revokedBy"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("was revoked", await refused.ProblemDetailAsync(), StringComparison.Ordinal);
        // Written before any endpoint runs, yet shaped as every other error: with the status's type and the request's trace id.
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal("https://tools.ietf.org/html/rfc9110#section-15.5.2", problem["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(problem["traceId"]?.GetValue<string>()));
        Assert.Equal(revoked["revokedAt"]!.GetValue<DateTimeOffset>(), (await again.ReadJsonAsync())["revokedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ExpiredKey_IsRefusedWithTheReason()
    {
        // A margin for a loaded machine: the key must still be valid when the registry stores it and on first use.
        var (_, key) = await _factory.CreateKeyAsync("short-lived", ["read"], expiresAt: DateTimeOffset.UtcNow.AddSeconds(45));
        using var client = _factory.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/models")).StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(150);
        HttpResponseMessage response;
        while ((response = await client.GetAsync("/api/models")).StatusCode == HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired at", await response.ProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AKeyCreatedByAnotherAdminKey_RecordsThatKeyAsItsCreator()
    {
        var (_, key) = await _factory.CreateKeyAsync("ops-admin", ["admin"]);

        using var ops = _factory.Client(key);
        var created = await (await ops.PostAsJsonAsync("/api/keys", new { name = "made-by-ops", scopes = Read })).ReadJsonAsync();

        Assert.Equal("ops-admin", created["createdBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task NamePatterns_LimitRoutesInferenceProtocolRoutesToolsListingsAndTheTrainingDataset()
    {
        var fraud = McpTestClient.Unique("fraud");
        var other = McpTestClient.Unique("churn");
        using var admin = _factory.Client(SecureGateway.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostCsvAsync($"/api/datasets/{fraud}", McpTestClient.BinaryCsv(50))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostCsvAsync($"/api/datasets/{other}", McpTestClient.BinaryCsv(60))).StatusCode);
        var (_, key) = await _factory.CreateKeyAsync("fraud-team", ["read", "train", "predict"], names: ["fraud-*"]);
        using var client = _factory.Client(key);

        var allowed = await client.GetAsync($"/api/datasets/{fraud}");
        var refused = await client.GetAsync($"/api/datasets/{other}");
        var trainOnOther = await client.PostJsonAsync($"/api/models/{fraud}-model/train", new { dataset = other, label = "label" });
        var trainOther = await client.PostJsonAsync($"/api/models/{other}-model/train", new { dataset = fraud, label = "label" });
        var listed = (await (await client.GetAsync("/api/datasets")).ReadJsonAsync())["datasets"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).ToList();

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains($"limited to the names 'fraud-*'; '{other}' is not one of them", await refused.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, trainOnOther.StatusCode);
        Assert.Contains($"'{other}' is not one of them", await trainOnOther.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, trainOther.StatusCode);
        Assert.Contains(fraud, listed);

        // The Open Inference Protocol routes apply the same patterns to the model in their path.
        var inferOther = await client.PostJsonAsync($"/v2/models/{other}/infer", new { inputs = Array.Empty<object>() });
        var metadataOther = await client.GetAsync($"/v2/models/{other}/versions/1");
        var readyOwn = await client.GetAsync($"/v2/models/{fraud}-model/ready");
        Assert.Equal(HttpStatusCode.Forbidden, inferOther.StatusCode);
        Assert.Contains($"'{other}' is not one of them", (await inferOther.ReadJsonAsync())["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, metadataOther.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, readyOwn.StatusCode);
        Assert.DoesNotContain(other, listed);
        Assert.All(listed, n => Assert.StartsWith("fraud-", n, StringComparison.Ordinal));

        await using var mcp = await _factory.ConnectMcpAsync(key);
        var described = await mcp.CallToolAsync("describe_dataset", new Dictionary<string, object?> { ["name"] = fraud });
        var forbidden = await mcp.CallToolErrorAsync("describe_dataset", new { name = other });
        var train = await mcp.CallToolErrorAsync("train_model", new { model = $"{fraud}-m", dataset = other, label = "label" });
        var mcpListed = (await mcp.CallOkAsync("list_datasets"))["datasets"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).ToList();
        var resource = await Assert.ThrowsAsync<ModelContextProtocol.McpProtocolException>(() => mcp.ReadResourceAsync($"dataset://{other}").AsTask());
        var resources = (await mcp.ListResourcesAsync()).Select(r => r.Uri).ToList();
        var completions = await mcp.CompleteAsync(new ModelContextProtocol.Protocol.ResourceTemplateReference { Uri = "dataset://{name}" }, "name", "");

        Assert.True(described.IsError is not true, McpTestClient.Text(described));
        Assert.Contains($"'{other}' is not one of them", forbidden, StringComparison.Ordinal);
        Assert.Contains($"'{other}' is not one of them", train, StringComparison.Ordinal);
        Assert.Contains(fraud, mcpListed);
        Assert.DoesNotContain(other, mcpListed);
        Assert.Contains("is not one of them", resource.Message, StringComparison.Ordinal);
        Assert.Contains($"dataset://{fraud}", resources);
        Assert.DoesNotContain($"dataset://{other}", resources);
        Assert.Contains(fraud, completions.Completion.Values);
        Assert.DoesNotContain(other, completions.Completion.Values);
    }

    [Fact]
    public async Task TheSecret_IsNowhereInTheDataDirectory()
    {
        var (_, key) = await _factory.CreateKeyAsync("stored-hashed", ["read"]);
        using var client = _factory.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/models")).StatusCode);

        var text = Encoding.UTF8.GetBytes(key);
        var random = Base64Url.DecodeFromChars(key.AsSpan(4));
        var files = Directory.EnumerateFiles(_factory.DataDirectory, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("orleansml.db", StringComparison.Ordinal));
        foreach (var file in files)
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var copy = new MemoryStream())
            {
                await stream.CopyToAsync(copy);
                bytes = copy.ToArray();
            }

            Assert.True(bytes.AsSpan().IndexOf(text) < 0, $"the key's text is in {file}");
            Assert.True(bytes.AsSpan().IndexOf(random) < 0, $"the key's random bytes are in {file}");
        }
    }
}
