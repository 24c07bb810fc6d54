using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>
/// The answers the gateway gives on <c>/v2</c> outside a route's handler (credentials, scopes, name patterns, rate
/// limits, origin, routing, a fault) are the Open Inference Protocol's <c>{"error": "..."}</c>, with the same status,
/// headers and words as the ProblemDetails <c>/api</c> answers.
/// </summary>
public sealed class InferenceProtocolAccessTests : IAsyncLifetime, IDisposable
{
    private const string Remote = "203.0.113.7";

    /// <summary>Test only: a request with this header fails in the pipeline, as an unexpected fault would.</summary>
    private const string FaultHeader = "X-Test-Fault";

    private readonly GatewayFactory _factory = SecureGateway.Create(
        allowedHosts: "localhost;127.0.0.1;[::1]",
        services: s => s.AddSingleton<IAuthorizationMiddlewareResultHandler>(new FaultOnHeader(new ProblemAuthorizationResultHandler())));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task NoKeyOrABadKey_Is401_InTheProtocolsErrorShape_WithWwwAuthenticate()
    {
        using var none = _factory.CreateClient();
        using var wrong = _factory.Client("oml_" + new string('A', 43));

        var missing = await none.PostAsync(Infer("churn"), Body());
        var invalid = await wrong.GetAsync("/v2/models/churn");

        await AssertErrorAsync(missing, HttpStatusCode.Unauthorized, "Send an API key as 'X-Api-Key: <key>' or 'Authorization: Bearer <key>'.");
        Assert.Equal("Bearer realm=\"OrleansMl\"", missing.Headers.WwwAuthenticate.ToString());
        await AssertErrorAsync(invalid, HttpStatusCode.Unauthorized, "The API key is not valid.");
        Assert.Equal("Bearer realm=\"OrleansMl\", error=\"invalid_token\", error_description=\"The API key is not valid.\"", invalid.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task AKeyWithoutTheRoutesScope_Is403_NamingTheScope()
    {
        var (_, reader) = await _factory.CreateKeyAsync("oip-reader", ["read"]);
        var (_, predictor) = await _factory.CreateKeyAsync("oip-predictor", ["predict"]);
        using var readOnly = _factory.Client(reader);
        using var predictOnly = _factory.Client(predictor);

        var infer = await readOnly.PostAsync(Infer("churn"), Body());
        var metadata = await predictOnly.GetAsync("/v2/models/churn/versions/1");

        await AssertErrorAsync(infer, HttpStatusCode.Forbidden, "POST /v2/models/churn/infer needs scope 'predict'; API key 'oip-reader'");
        await AssertErrorAsync(metadata, HttpStatusCode.Forbidden, "GET /v2/models/churn/versions/1 needs scope 'read'; API key 'oip-predictor'");
    }

    [Fact]
    public async Task AKeyLimitedToOtherNamePatterns_Is403_NamingThePatternsAndTheModel()
    {
        var (_, key) = await _factory.CreateKeyAsync("oip-fraud-team", ["read", "predict"], names: ["fraud-*"]);
        using var client = _factory.Client(key);

        var infer = await client.PostAsync(Infer("churn-oip"), Body());
        var ready = await client.GetAsync("/v2/models/churn-oip/ready");

        await AssertErrorAsync(infer, HttpStatusCode.Forbidden, "API key 'oip-fraud-team' is limited to the names 'fraud-*'; 'churn-oip' is not one of them.");
        await AssertErrorAsync(ready, HttpStatusCode.Forbidden, "'churn-oip' is not one of them.");
    }

    [Fact]
    public async Task OverTheRequestRate_Is429_InTheProtocolsErrorShape_WithRetryAfter()
    {
        await using var factory = SecureGateway.Create(new Dictionary<string, string> { ["OrleansMl:Limits:RequestsPerSecond"] = "3" });
        var (_, key) = await factory.CreateKeyAsync("oip-busy", ["read", "predict"]);
        using var client = factory.Client(key);

        var burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => i % 2 == 0
            ? client.PostAsync(Infer("churn"), Body())
            : client.GetAsync("/v2/models/churn/ready")));

        var limited = burst.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.Contains(burst, r => r.StatusCode == HttpStatusCode.NotFound);
        foreach (var response in limited)
        {
            await AssertErrorAsync(response, HttpStatusCode.TooManyRequests,
                "More than 3 requests per second (OrleansMl__Limits__RequestsPerSecond) from API key 'oip-busy'. Retry after ");
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
        }
    }

    [Fact]
    public async Task ARemoteCallerOfAGatewayWithoutCredentials_Is403_InTheProtocolsErrorShape()
    {
        await using var factory = SecureGateway.Create(adminKey: false);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Infer("churn")) { Content = Body() };
        request.Headers.Add(SecureGateway.RemoteAddressHeader, Remote);

        var response = await client.SendAsync(request);

        await AssertErrorAsync(response, HttpStatusCode.Forbidden, "This gateway has no credentials configured, so it serves only callers on its own machine.");
    }

    [Fact]
    public async Task AForeignBrowserOrigin_Is403_InTheProtocolsErrorShape()
    {
        using var client = _factory.Client(SecureGateway.AdminKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, Infer("churn")) { Content = Body() };
        request.Headers.Add("Origin", "http://evil.example.com");

        var response = await client.SendAsync(request);

        await AssertErrorAsync(response, HttpStatusCode.Forbidden, "Requests from origin 'http://evil.example.com' are refused: its host is not in AllowedHosts.");
    }

    [Fact]
    public async Task AHostHeaderNotInAllowedHosts_Is400_InTheProtocolsErrorShape()
    {
        using var client = _factory.Client(SecureGateway.AdminKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, Infer("churn")) { Content = Body() };
        request.Headers.Host = "evil.example.com";

        var response = await client.SendAsync(request);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "Host 'evil.example.com' is not a host name this gateway serves");
        Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
    }

    [Fact]
    public async Task RoutingAnswers_UnknownPathWrongMethodAndACompressedBody_AreInTheProtocolsErrorShape()
    {
        using var client = _factory.Client(SecureGateway.AdminKey);
        var compressed = Body();
        compressed.Headers.ContentEncoding.Add("gzip");

        var unknown = await client.GetAsync("/v2/repository/index");
        var wrongMethod = await client.GetAsync(Infer("churn"));
        var gzip = await client.PostAsync(Infer("churn"), compressed);

        await AssertErrorAsync(unknown, HttpStatusCode.NotFound, "Nothing is served at GET /v2/repository/index;");
        await AssertErrorAsync(wrongMethod, HttpStatusCode.MethodNotAllowed, "/v2/models/churn/infer does not take GET; it takes POST.");
        Assert.Equal(["POST"], wrongMethod.Content.Headers.Allow);
        await AssertErrorAsync(gzip, HttpStatusCode.UnsupportedMediaType, "Content-Encoding 'gzip' is not taken: send the body uncompressed.");
    }

    [Fact]
    public async Task AnUnexpectedFault_Is500_InTheProtocolsErrorShape_AndAProblemOnApi()
    {
        using var client = _factory.Client(SecureGateway.AdminKey);
        client.DefaultRequestHeaders.Add(FaultHeader, "1");

        var infer = await client.PostAsync(Infer("churn"), Body());
        var predict = await client.PostAsync("/api/models/churn/predict", Body());

        await AssertErrorAsync(infer, HttpStatusCode.InternalServerError, "The request failed unexpectedly; the error has been logged.");
        Assert.Equal(HttpStatusCode.InternalServerError, predict.StatusCode);
        Assert.Equal("application/problem+json", predict.Content.Headers.ContentType?.MediaType);
        Assert.Equal("The request failed unexpectedly; the error has been logged.", await predict.ProblemDetailAsync());
    }

    [Fact]
    public async Task TheSameRefusalsOnApi_StayProblemDetails()
    {
        using var none = _factory.CreateClient();
        using var admin = _factory.Client(SecureGateway.AdminKey);

        var unauthorized = await none.PostAsync("/api/models/churn/predict", Body());
        var unknown = await admin.GetAsync("/api/nothing-here");

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal("Bearer realm=\"OrleansMl\"", unauthorized.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/problem+json", unauthorized.Content.Headers.ContentType?.MediaType);
        var problem = await unauthorized.ReadJsonAsync();
        Assert.Equal(401, problem["status"]!.GetValue<int>());
        Assert.Equal("Credentials required", problem["title"]!.GetValue<string>());
        Assert.Equal("Send an API key as 'X-Api-Key: <key>' or 'Authorization: Bearer <key>'.", problem["detail"]!.GetValue<string>());
        Assert.Null(problem["error"]);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("Nothing is served at GET /api/nothing-here;", await unknown.ProblemDetailAsync(), StringComparison.Ordinal);
    }

    /// <summary>The answer is JSON holding one member, <c>error</c>, that says <paramref name="text"/>.</summary>
    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string text)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(["error"], error.Select(p => p.Key));
        Assert.Contains(text, error["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>Fails the requests that carry <see cref="FaultHeader"/> after authorization; answers the others as the gateway does.</summary>
    private sealed class FaultOnHeader(IAuthorizationMiddlewareResultHandler inner) : IAuthorizationMiddlewareResultHandler
    {
        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult) =>
            context.Request.Headers.ContainsKey(FaultHeader)
                ? throw new InvalidOperationException("A fault the test asked for.")
                : inner.HandleAsync(next, context, policy, authorizeResult);
    }

    private static string Infer(string model) => $"/v2/models/{model}/infer";

    private static StringContent Body() => new(
        """{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}""", Encoding.UTF8, "application/json");
}
