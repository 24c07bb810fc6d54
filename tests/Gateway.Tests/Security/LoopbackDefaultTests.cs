using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using OrleansMl.Gateway.Security;
using OrleansMl.Tests.Support;

namespace OrleansMl.Gateway.Tests.Security;

/// <summary>
/// Secure by default: without an admin key or OIDC the gateway serves only its own machine, and refuses to start when it
/// would listen beyond it, unless <c>OrleansMl__Auth__Mode=Open</c> says otherwise.
/// </summary>
public sealed class LoopbackDefaultTests
{
    [Fact]
    public async Task WithoutCredentials_LocalCallersMayDoEverything_RemoteCallersAreRefused()
    {
        await using var factory = SecureGateway.Create(adminKey: false);
        using var client = factory.CreateClient();

        var local = await client.GetAsync("/api/models");
        var localKeys = await client.GetAsync("/api/keys");
        var remote = await RemoteAsync(client, "/api/models", "203.0.113.7");
        var remoteMcp = await RemoteAsync(client, "/mcp", "203.0.113.7", HttpMethod.Post);
        var remoteHealth = await RemoteAsync(client, "/health/live", "203.0.113.7");

        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Equal(HttpStatusCode.OK, localKeys.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, remote.StatusCode);
        Assert.Contains("OrleansMl__Auth__AdminKey", await remote.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Contains("OrleansMl__Auth__Mode=Open", await remote.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, remoteMcp.StatusCode);
        Assert.Equal(HttpStatusCode.OK, remoteHealth.StatusCode);
    }

    [Fact]
    public async Task LoopbackAddressesOfBothFamilies_AreLocal()
    {
        await using var factory = SecureGateway.Create(adminKey: false);
        using var client = factory.CreateClient();

        foreach (var address in new[] { "127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1" })
        {
            Assert.Equal(HttpStatusCode.OK, (await RemoteAsync(client, "/api/models", address)).StatusCode);
        }

        foreach (var address in new[] { "10.0.0.2", "::ffff:10.0.0.2", "2001:db8::1" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await RemoteAsync(client, "/api/models", address)).StatusCode);
        }
    }

    [Fact]
    public async Task WithAnAdminKey_EveryCallerNeedsCredentials_EvenALocalOne()
    {
        await using var factory = SecureGateway.Create();
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/models")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await RemoteAsync(client, "/api/models", "203.0.113.7")).StatusCode);
    }

    [Fact]
    public async Task OpenMode_ServesRemoteCallersWithoutCredentials_ButStillChecksSentKeys()
    {
        await using var factory = SecureGateway.Create(new Dictionary<string, string> { ["OrleansMl:Auth:Mode"] = "Open" }, adminKey: false);
        using var client = factory.CreateClient();
        using var wrong = factory.Client("oml_" + new string('x', 43));

        Assert.Equal(HttpStatusCode.OK, (await RemoteAsync(client, "/api/models", "203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/models")).StatusCode);
    }

    [Theory]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://unix:/run/orleansml.sock", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://10.1.2.3:8080", false)]
    [InlineData("https://ml.example.com:443", false)]
    public void ListenAddresses_BeyondLoopback_AreRecognised(string address, bool local) =>
        Assert.Equal(local, ListenAddressGuard.IsLocalAddress(address));

    [Fact]
    public async Task ListeningOnEveryInterface_WithoutCredentials_RefusesToStart_NamingTheSettings()
    {
        var (exitCode, log) = await RunGatewayAsync(TimeSpan.FromSeconds(90), "--urls", $"http://0.0.0.0:{TcpPorts.Free()}");

        Assert.Equal(1, exitCode);
        Assert.Contains("Refusing to serve", log, StringComparison.Ordinal);
        Assert.Contains("OrleansMl__Auth__AdminKey", log, StringComparison.Ordinal);
        Assert.Contains("OrleansMl__Auth__Jwt__Authority", log, StringComparison.Ordinal);
        Assert.Contains("OrleansMl__Auth__Mode=Open", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListeningOnEveryInterface_WithTheOpenOptOut_Serves_AndSaysSoInTheLog()
    {
        var data = Path.Combine(Path.GetTempPath(), "orleansml-gateway-tests", Guid.NewGuid().ToString("N"));
        await using var gateway = await GatewayProcess.StartOnAsync("0.0.0.0", data, "--OrleansMl:Auth:Mode=Open");

        var models = await gateway.Http.GetAsync("/api/models");
        var missing = await gateway.Http.GetAsync("/api/models/no-such-model");

        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Contains("OrleansMl__Auth__Mode=Open: every caller", gateway.Log, StringComparison.Ordinal);
        foreach (var response in new[] { models, missing })
        {
            Assert.False(response.Headers.Contains("Server"), "Kestrel names itself in a Server header");
            Assert.Equal(["nosniff"], response.Headers.GetValues("X-Content-Type-Options"));
        }
    }

    private static async Task<HttpResponseMessage> RemoteAsync(HttpClient client, string url, string address, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Get, url);
        request.Headers.Add(SecureGateway.RemoteAddressHeader, address);
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"ping"}""", Encoding.UTF8, "application/json");
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
        }

        return await client.SendAsync(request);
    }

    /// <summary>Runs the gateway until it exits by itself; returns its exit code and output.</summary>
    private static async Task<(int ExitCode, string Log)> RunGatewayAsync(TimeSpan timeout, params string[] arguments)
    {
        var data = Path.Combine(Path.GetTempPath(), "orleansml-gateway-tests", Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            GatewayProcess.GatewayAssembly(),
            $"--OrleansMl:DataDirectory={data}",
            $"--OrleansMl:SiloPort={TcpPorts.Free().ToString(CultureInfo.InvariantCulture)}",
            $"--OrleansMl:GatewayPort={TcpPorts.Free().ToString(CultureInfo.InvariantCulture)}",
        }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The gateway kept running:\n{await output}{await error}");
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        return (process.ExitCode, await output + await error);
    }
}
