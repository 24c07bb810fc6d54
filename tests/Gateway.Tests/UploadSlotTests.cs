using System.Net;
using System.Text;
using OrleansMl.Gateway.Tests.Security;
using OrleansMl.Tests.Support;

namespace OrleansMl.Gateway.Tests;

/// <summary>
/// The gateway's limit on uploads received at once (<c>OrleansMl__Limits__ConcurrentUploads</c>), on a gateway process:
/// the in-memory test server hands a request to the app only once its body is complete, so it cannot hold an upload
/// open.
/// </summary>
public sealed class UploadSlotTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "orleansml-upload-slot-tests", Guid.NewGuid().ToString("N"));

    /// <summary>
    /// An upload or append beyond the limit is refused with 503 before its body is read, and stores nothing; once the
    /// upload holding the slot ends, the next one is taken.
    /// </summary>
    [Fact]
    public async Task Uploads_BeyondTheGatewaysConcurrentLimit_AreRefused_UntilOneEnds()
    {
        await using var gateway = await GatewayProcess.StartAsync(_data, "--OrleansMl:Limits:ConcurrentUploads=1");
        var http = gateway.Http;
        // A client that sends the headers and the first rows of a CSV, then stalls.
        const string firstPart = "a,b\n1,2\n", rest = "3,4\n";
        using var held = new System.Net.Sockets.TcpClient();
        await held.ConnectAsync(gateway.Address.Host, gateway.Address.Port);
        var stream = held.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/datasets/held HTTP/1.1\r\nHost: {gateway.Address.Authority}\r\nContent-Type: text/csv\r\nContent-Length: {firstPart.Length + rest.Length}\r\n\r\n{firstPart}"));
        // The held upload takes its slot once its request reaches the route; until then another one may still pass.
        HttpResponseMessage? refusal = null;
        var refused = string.Empty;
        for (var attempt = 0; attempt < 100 && refusal is null; attempt++)
        {
            refused = $"refused-{attempt}";
            var response = await http.PostCsvAsync($"/api/datasets/{refused}", "a,b\n5,6\n");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                refusal = response;
            }
            else
            {
                await Task.Delay(50);
            }
        }

        Assert.NotNull(refusal);
        Assert.Equal(TimeSpan.FromSeconds(1), refusal.Headers.RetryAfter?.Delta);
        Assert.Contains("already receiving 1 dataset uploads and row appends (OrleansMl__Limits__ConcurrentUploads); nothing was stored",
            await refusal.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/datasets/{refused}")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.PostCsvAsync("/api/datasets/held/rows", "a,b\n5,6\n")).StatusCode);

        await stream.WriteAsync(Encoding.ASCII.GetBytes(rest));
        var answer = new byte[64];
        var read = await stream.ReadAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var after = await http.PostCsvAsync("/api/datasets/after", "a,b\n7,8\n");

        Assert.StartsWith("HTTP/1.1 201 Created", Encoding.ASCII.GetString(answer, 0, read), StringComparison.Ordinal);
        Assert.Equal(2, (await (await http.GetAsync("/api/datasets/held/versions/1")).ReadJsonAsync())["rows"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
