using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace OrleansMl.Gateway.Security;

/// <summary>
/// Secure by default: without an admin key or OIDC, the gateway may listen only on this machine. Once the server has
/// bound its addresses, any address beyond loopback stops the gateway with exit code 1 and a message naming the
/// settings. (Until it has stopped, the authentication handler refuses every remote caller anyway.)
/// </summary>
internal sealed partial class ListenAddressGuard(
    IServer server, IOptions<AuthOptions> options, IHostApplicationLifetime lifetime, ILogger<ListenAddressGuard> logger) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var auth = options.Value;
        if (auth.Mode == AuthMode.Open)
        {
            LogOpen(logger);
            return Task.CompletedTask;
        }

        if (auth.CredentialsConfigured)
        {
            return Task.CompletedTask;
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(a => !IsLocalAddress(a)).ToList();
        if (exposed.Count > 0)
        {
            LogRefused(logger, string.Join(", ", exposed));
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }

        return Task.CompletedTask;
    }

    /// <summary>Loopback IPs, <c>localhost</c>, Unix sockets and named pipes; not <c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c> or other hosts.</summary>
    public static bool IsLocalAddress(string address)
    {
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(address);
        }
        catch (FormatException)
        {
            return false;
        }

        if (binding.IsUnixPipe || binding.IsNamedPipe)
        {
            return true;
        }

        var host = binding.Host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Critical, Message =
        "Refusing to serve: the gateway listens on {Addresses}, beyond this machine, but no credentials are configured. "
        + "Set OrleansMl__Auth__AdminKey to a secret of at least 32 characters, or OrleansMl__Auth__Jwt__Authority and "
        + "OrleansMl__Auth__Jwt__Audience for OIDC tokens; or set OrleansMl__Auth__Mode=Open to let every caller do everything "
        + "without credentials. To stay local, listen on localhost (--urls http://localhost:8080). Stopping.")]
    private static partial void LogRefused(ILogger logger, string addresses);

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "OrleansMl__Auth__Mode=Open: every caller that reaches this gateway may upload, train, deploy and manage keys without credentials.")]
    private static partial void LogOpen(ILogger logger);
}
