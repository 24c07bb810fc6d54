using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansMl.Tests.Support;

/// <summary>
/// Ports for the listeners a test starts (silos, gateways, PostgreSQL, identity providers). A port the OS hands out for a
/// listener comes from the ephemeral range, where an outgoing connection of this or another process (a client reaching
/// PostgreSQL, a test's HTTP client) can take it before the listener binds it; these come from below that range, are
/// free on every address when handed out, and are never handed out twice in a process.
/// </summary>
public static class TcpPorts
{
    private const int Lowest = 10_000;
    private static readonly HashSet<int> Given = [];

    public static int Free()
    {
        var below = EphemeralRangeStart();
        if (below - Lowest < 1_000)
        {
            return FreeEphemeral();
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

    private static int FreeEphemeral()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
