using System.Net;
using System.Net.Sockets;

namespace OrleansMl.Tests.Support;

public static class TcpPorts
{
    /// <summary>A loopback port nothing listens on right now (the OS picks it; a race with other processes is possible).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
