using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace OrleansMl.Gateway.Ui;

/// <summary>
/// The address the console reaches this gateway's own REST API at: the first address Kestrel listens on, plain HTTP
/// preferred, with a wildcard host (0.0.0.0, [::], *, +) replaced by loopback.
/// </summary>
public sealed class GatewayAddress(IServer server)
{
    private Uri? _address;

    public Uri Value => _address ??= Resolve(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []);

    internal static Uri Resolve(ICollection<string> addresses)
    {
        var chosen = addresses.OrderBy(a => a.StartsWith("https:", StringComparison.OrdinalIgnoreCase) ? 1 : 0).FirstOrDefault()
            ?? throw new InvalidOperationException("The gateway listens on no address, so the console cannot reach its REST API.");
        var uri = new Uri(chosen.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal));
        var host = uri.Host is "0.0.0.0" ? "127.0.0.1" : uri.Host is "[::]" ? "[::1]" : uri.Host;
        return new UriBuilder(uri.Scheme, host, uri.Port).Uri;
    }
}
