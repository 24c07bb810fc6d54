using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>Gateways with access control configured, and helpers to create keys and call with them.</summary>
internal static class SecureGateway
{
    public const string AdminKey = "test-admin-key-0123456789abcdef-0123456789";

    /// <summary>The header a test sets to play a caller from another machine.</summary>
    public const string RemoteAddressHeader = "X-Test-Remote-Address";

    /// <summary>A gateway with the admin key (and <paramref name="settings"/>); requests may play remote callers.</summary>
    public static GatewayFactory Create(IDictionary<string, string>? settings = null, Action<IServiceCollection>? services = null, bool adminKey = true, string allowedHosts = "*")
    {
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
        if (adminKey)
        {
            all["OrleansMl:Auth:AdminKey"] = AdminKey;
        }

        return new GatewayFactory
        {
            Settings = all,
            AllowedHosts = allowedHosts,
            TestServices = s =>
            {
                s.AddSingleton<IStartupFilter, RemoteAddressStartupFilter>();
                services?.Invoke(s);
            },
        };
    }

    public static HttpClient Client(this GatewayFactory factory, string? key)
    {
        var client = factory.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    /// <summary>Creates a key with the admin key; returns its id and secret.</summary>
    public static async Task<(string Id, string Key)> CreateKeyAsync(
        this GatewayFactory factory, string name, string[] scopes, string[]? names = null, DateTimeOffset? expiresAt = null, string? asKey = AdminKey)
    {
        using var admin = factory.Client(asKey);
        var response = await admin.PostAsJsonAsync("/api/keys", new { name, scopes, names, expiresAt }, JsonSerializerOptions.Web);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"creating key {name}: {(int)response.StatusCode} {body}");
        var created = JsonNode.Parse(body)!;
        return (created["id"]!.GetValue<string>(), created["key"]!.GetValue<string>());
    }

    public static Task<McpClient> ConnectMcpAsync(this GatewayFactory factory, string? key, string? protocolVersion = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(factory.Server.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = key is null ? null : new Dictionary<string, string> { ["X-Api-Key"] = key },
        }, factory.CreateClient(), ownsHttpClient: true);
        return McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion });
    }

    public static async Task<string> ProblemDetailAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text)?["detail"]?.GetValue<string>() ?? text;
    }

    /// <summary>Test only: sets the connection's remote address from <see cref="RemoteAddressHeader"/>, before anything else runs.</summary>
    private sealed class RemoteAddressStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(RemoteAddressHeader, out var address))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(address.ToString());
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
