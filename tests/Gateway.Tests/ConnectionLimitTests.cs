using System.Net.Sockets;
using System.Text;
using OrleansMl.Gateway.Tests.Operations;
using OrleansMl.Tests.Support;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// The limit on open connections (<c>OrleansMl__Limits__Connections</c>), on a gateway process and on a standalone
/// silo's health and metrics endpoints: the in-memory test server has no connections.
/// </summary>
public sealed class ConnectionLimitTests : IDisposable
{
    private const int Limit = 3;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "orleansml-connection-limit-tests", Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Connections beyond the limit are closed unanswered and counted; connections within it keep being answered, and
    /// once one closes a new one is taken.
    /// </summary>
    [Theory]
    [InlineData("gateway")]
    [InlineData("silo")]
    public async Task Connections_BeyondTheLimit_AreClosedUnanswered_AndCounted_UntilOneCloses(string process)
    {
        var setting = $"--OrleansMl:Limits:Connections={Limit}";
        await using var gateway = process == "silo"
            ? await GatewayProcess.StartSiloAsync(_data, setting)
            : await GatewayProcess.StartAsync(_data, setting);

        // The test's client may keep one pooled connection of its own from the start-up checks.
        var open = new List<TcpClient>();
        try
        {
            var (answered, closed) = (0, 0);
            for (var i = 0; i < Limit + 2; i++)
            {
                var client = new TcpClient();
                open.Add(client);
                await client.ConnectAsync(gateway.Address.Host, gateway.Address.Port);
                if ((await AskAsync(client, gateway)).StartsWith("HTTP/1.1 200", StringComparison.Ordinal))
                {
                    answered++;
                }
                else
                {
                    closed++;
                }
            }

            Assert.InRange(answered, Limit - 1, Limit);
            Assert.InRange(closed, 2, 3);
            var first = open[0];
            Assert.StartsWith("HTTP/1.1 200", await AskAsync(first, gateway), StringComparison.Ordinal);

            foreach (var client in open)
            {
                client.Dispose();
            }

            open.Clear();
            await Task.Delay(TimeSpan.FromSeconds(1)); // the gateway sees them close and frees their places
            var fresh = new TcpClient();
            open.Add(fresh);
            await fresh.ConnectAsync(gateway.Address.Host, gateway.Address.Port);
            Assert.StartsWith("HTTP/1.1 200", await AskAsync(fresh, gateway), StringComparison.Ordinal);
            var metrics = await PrometheusText.ScrapeAsync(gateway.Http, new Uri("/metrics", UriKind.Relative));
            Assert.Equal(closed, metrics.Sum("kestrel_rejected_connections_total"));
        }
        finally
        {
            open.ForEach(client => client.Dispose());
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    /// <summary>Sends one keep-alive request on <paramref name="client"/> and returns the start of the answer, or "" if the gateway closed it.</summary>
    private static async Task<string> AskAsync(TcpClient client, GatewayProcess gateway)
    {
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /health/live HTTP/1.1\r\nHost: {gateway.Address.Authority}\r\n\r\n"));
            var answer = new byte[256];
            var read = await stream.ReadAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            return Encoding.ASCII.GetString(answer, 0, read);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}
