using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.Client;
using OrleansMl.Gateway.Tests.Mcp;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>
/// OIDC bearer tokens, signed by a key this test makes: the gateway is configured with that key and issuer instead of
/// fetching the issuer's metadata (no identity provider is reachable here). API keys keep working beside tokens.
/// </summary>
public sealed class JwtTests : IAsyncLifetime, IDisposable
{
    private const string Issuer = "https://login.example.test/realms/ml";
    private const string Audience = "https://ml.example.test/mcp";

    private static readonly string[] ReadDeploy = ["read", "deploy"];

    private static readonly SymmetricSecurityKey SigningKey = new(RandomNumberGenerator.GetBytes(32)) { KeyId = "test" };

    private readonly GatewayFactory _factory = SecureGateway.Create(
        new Dictionary<string, string>
        {
            ["OrleansMl:Auth:Jwt:Authority"] = Issuer,
            ["OrleansMl:Auth:Jwt:Audience"] = Audience,
        },
        services => services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            o.ConfigurationManager = null;
            o.TokenValidationParameters.ValidIssuer = Issuer;
            o.TokenValidationParameters.IssuerSigningKey = SigningKey;
        }));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task AValidToken_IsServedWithinItsScopes_AndRefusedBeyondWithTheMissingScope()
    {
        using var client = Client(Token(new() { ["sub"] = "alice", ["scope"] = "openid read predict" }));

        var read = await client.GetAsync("/api/models");
        var train = await client.PostAsJsonAsync("/api/models/m/train", new { dataset = "d", label = "l" });

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, train.StatusCode);
        var detail = await train.ProblemDetailAsync();
        Assert.Contains("needs scope 'train'", detail, StringComparison.Ordinal);
        Assert.Contains("the token of 'alice' has read, predict", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScopesMayComeAsAnScpArray_AndNamePatternsFromTheNamesClaim()
    {
        using var client = Client(Token(new()
        {
            ["sub"] = "svc",
            ["scp"] = ReadDeploy,
            ["orleansml_names"] = "fraud-*",
        }));

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/models/fraud-x")).StatusCode);
        var refused = await client.GetAsync("/api/models/churn");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("'churn' is not one of them", await refused.ProblemDetailAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("expired", "expired")]
    [InlineData("wrong audience", "Audience validation failed")]
    [InlineData("wrong issuer", "Issuer validation failed")]
    [InlineData("wrong key", "Signature validation failed")]
    public async Task AnInvalidToken_Gets401WithTheReason(string flaw, string reason)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "mallory", ["scope"] = "admin" };
        var token = flaw switch
        {
            "expired" => Token(claims, expires: DateTime.UtcNow.AddHours(-1)),
            "wrong audience" => Token(claims, audience: "https://other.example.test"),
            "wrong issuer" => Token(claims, issuer: "https://evil.example.test"),
            _ => Token(claims, key: new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = "test" }),
        };
        using var client = Client(token);

        var response = await client.GetAsync("/api/models");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Contains("invalid_token", challenge, StringComparison.Ordinal);
        var problem = await response.ReadJsonAsync();
        Assert.Equal("Invalid credentials", problem["title"]!.GetValue<string>());
        Assert.Contains(reason, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKeys_StillWork_BesideTokens()
    {
        var (_, key) = await _factory.CreateKeyAsync("beside-tokens", ["read"]);
        using var header = _factory.Client(key);
        using var bearer = Client(key);

        Assert.Equal(HttpStatusCode.OK, (await header.GetAsync("/api/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/models")).StatusCode);
    }

    [Fact]
    public async Task TheTokenSubject_IsRecordedAsTheCaller()
    {
        using var client = Client(Token(new() { ["sub"] = "alice@example.test", ["scope"] = "admin" }));

        var created = await (await client.PostAsJsonAsync("/api/keys", new { name = "made-by-alice", scopes = ReadDeploy })).ReadJsonAsync();

        Assert.Equal("alice@example.test", created["createdBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task OverMcp_ATokenSeesTheToolsOfItsScopes_AndTheMetadataNamesTheIssuer()
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(_factory.Server.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {Token(new() { ["sub"] = "bot", ["scope"] = "predict" })}" },
        }, _factory.CreateClient(), ownsHttpClient: true);
        await using var mcp = await McpClient.CreateAsync(transport);
        using var anonymous = _factory.CreateClient();

        var tools = (await mcp.ListToolsAsync()).Select(t => t.Name).ToList();
        var refused = await mcp.CallToolErrorAsync("list_models");
        var metadata = JsonNode.Parse(await anonymous.GetStringAsync("/.well-known/oauth-protected-resource/mcp"))!;

        Assert.Equal(["add_feature_events", "predict", "send_feedback", "set_feature_values"], tools.Order(StringComparer.Ordinal));
        Assert.Contains("needs scope 'read'", refused, StringComparison.Ordinal);
        Assert.Equal(Issuer, metadata["authorization_servers"]![0]!.GetValue<string>());
        Assert.Equal(Audience, metadata["resource"]!.GetValue<string>());
    }

    private HttpClient Client(string bearer)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    private static string Token(
        Dictionary<string, object> claims, DateTime? expires = null, string audience = Audience, string issuer = Issuer, SecurityKey? key = null)
    {
        var end = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = end.AddMinutes(-20),
            NotBefore = end.AddMinutes(-20),
            Expires = end,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key ?? SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }
}
