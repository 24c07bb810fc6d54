using System.Globalization;
using System.Net;
using System.Net.Sockets;
using OrleansMl.Tests.Support;

namespace OrleansMl.Manifests.Tests;

/// <summary>
/// Local ports for the containers' listeners, as a pod network gives each pod its own. A port the OS hands out for a
/// listener (<see cref="TcpPorts.Free"/>) comes from the ephemeral range, where an outgoing connection of a process the
/// test already started (a silo reaching PostgreSQL) can take it before the container binds it; these come from below
/// that range, are free on every address when handed out, and are never handed out twice in a run.
/// </summary>
internal static class ContainerPorts
{
    private const int Lowest = 10_000;
    private static readonly HashSet<int> Given = [];

    public static int Free()
    {
        var below = EphemeralRangeStart();
        if (below - Lowest < 1_000)
        {
            return TcpPorts.Free();
        }

        lock (Given)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(Lowest, below);
                if (Given.Contains(port) || !Bindable(port))
                {
                    continue;
                }

                Given.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException($"No free port between {Lowest} and {below}.");
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the kernel's ephemeral range (Linux's default where it cannot be read).</summary>
    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
