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

    /// <summary>
    /// Sends one keep-alive request on <paramref name="client"/> and returns the whole answer, or "" if the gateway closed
    /// the connection first. The answer is read to its end (its chunked body's last chunk, or its Content-Length), as it
    /// may arrive in several reads: what a read left behind would otherwise start the next answer read on the connection.
    /// </summary>
    private static async Task<string> AskAsync(TcpClient client, GatewayProcess gateway)
    {
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /health/live HTTP/1.1\r\nHost: {gateway.Address.Authority}\r\n\r\n"));
            var answer = new StringBuilder();
            var buffer = new byte[1024];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!Complete(answer.ToString()))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            return answer.ToString();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>Whether <paramref name="answer"/> holds a whole HTTP response: headers and all of its body.</summary>
    private static bool Complete(string answer)
    {
        var end = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var headers = answer[..end];
        var body = answer[(end + 4)..];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return body == "0\r\n\r\n" || body.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        }

        var length = headers.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        return length is null || body.Length >= int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
