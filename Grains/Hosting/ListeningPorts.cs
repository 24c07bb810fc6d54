using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansMl.Hosting;

/// <summary>
/// Checks, before the silo opens them, that no other process listens on its silo and gateway ports. Orleans listens
/// with address reuse, which on Linux also lets a second process listen on the same port: two gateways started with the
/// default ports would both start, and the kernel would share incoming connections between two unrelated silos. The
/// check binds without port sharing (address reuse only, so connections of a previous run waiting to close do not
/// count), which another listener on the port refuses.
/// </summary>
internal sealed class ListeningPorts(IOptions<EndpointOptions> endpoints) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ListeningPorts), ServiceLifecycleStage.First, _ =>
        {
            var options = endpoints.Value;
            EnsureFree(options.SiloListeningEndpoint ?? new IPEndPoint(options.AdvertisedIPAddress, options.SiloPort), "SiloPort");
            if (options.GatewayPort > 0)
            {
                EnsureFree(options.GatewayListeningEndpoint ?? new IPEndPoint(options.AdvertisedIPAddress, options.GatewayPort), "GatewayPort");
            }

            return Task.CompletedTask;
        });

    /// <summary>Throws a <see cref="SettingException"/> naming <paramref name="setting"/> when another socket listens on <paramref name="endpoint"/>.</summary>
    internal static void EnsureFree(IPEndPoint endpoint, string setting)
    {
        if (endpoint.Port == 0)
        {
            return;
        }

        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (OperatingSystem.IsLinux())
        {
            // SO_REUSEADDR alone (SOL_SOCKET 1, option 2): .NET's ReuseAddress would also set SO_REUSEPORT.
            socket.SetRawSocketOption(1, 2, BitConverter.GetBytes(1));
        }

        try
        {
            socket.Bind(endpoint);
        }
        catch (SocketException error) when (error.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            throw new SettingException(
                $"OrleansMl:{setting} {endpoint.Port} on {endpoint.Address} is taken ({error.Message}), perhaps by another OrleansMl gateway or silo on this machine: "
                + $"set OrleansMl__{setting} to a free port, or stop the other process.",
                error);
        }
    }
}
