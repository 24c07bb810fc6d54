using System.Net;
using System.Net.Http.Json;
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
    private static readonly string[] UploaderScopes = ["read", "train"];
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
        using var held = await StalledUpload.OpenAsync(gateway, "/api/datasets/held");
        await held.TakesItsSlotAsync(gateway);
        const string refused = "refused";
        var refusal = await http.PostCsvAsync($"/api/datasets/{refused}", "a,b\n5,6\n");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusal.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refusal.Headers.RetryAfter?.Delta);
        Assert.Contains("already receiving 1 dataset uploads and row appends (OrleansMl__Limits__ConcurrentUploads); nothing was stored",
            await refusal.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/datasets/{refused}")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.PostCsvAsync("/api/datasets/held/rows", "a,b\n5,6\n")).StatusCode);

        var answer = await held.FinishAsync();
        var after = await http.PostCsvAsync("/api/datasets/after", "a,b\n7,8\n");

        Assert.StartsWith("HTTP/1.1 201 Created", answer, StringComparison.Ordinal);
        Assert.Equal(2, (await (await http.GetAsync("/api/datasets/held/versions/1")).ReadJsonAsync())["rows"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }

    /// <summary>
    /// A caller with its share of uploads open gets a 429 for one more; another caller's upload is still taken, so one
    /// caller cannot keep the others out.
    /// </summary>
    [Fact]
    public async Task Uploads_BeyondACallersShare_AreRefusedWith429_WhileOtherCallersUploadsAreTaken()
    {
        const string adminKey = "upload-slot-admin-key-0123456789abcdef-0123";
        await using var gateway = await GatewayProcess.StartAsync(_data,
            $"--OrleansMl:Auth:AdminKey={adminKey}", "--OrleansMl:Limits:ConcurrentUploads=10", "--OrleansMl:Limits:ConcurrentUploadsPerCaller=1");
        async Task<string> KeyAsync(string name)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(new { name, scopes = UploaderScopes }) };
            request.Headers.Add("X-Api-Key", adminKey);
            var created = await (await gateway.Http.SendAsync(request)).ReadJsonAsync();
            return created["key"]!.GetValue<string>();
        }

        async Task<HttpResponseMessage> UploadAsync(string key, string name)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/datasets/{name}") { Content = new StringContent("a,b\n5,6\n", Encoding.UTF8, "text/csv") };
            request.Headers.Add("X-Api-Key", key);
            return await gateway.Http.SendAsync(request);
        }

        var (busy, other) = (await KeyAsync("busy"), await KeyAsync("other"));
        using var held = await StalledUpload.OpenAsync(gateway, "/api/datasets/held", busy);
        await held.TakesItsSlotAsync(gateway);
        var refusal = await UploadAsync(busy, "busy");
        var others = await UploadAsync(other, "others");
        var answer = await held.FinishAsync();
        var again = await UploadAsync(busy, "again");

        Assert.Equal(HttpStatusCode.TooManyRequests, refusal.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refusal.Headers.RetryAfter?.Delta);
        Assert.Contains("already receiving 1 dataset uploads and row appends from API key 'busy' (OrleansMl__Limits__ConcurrentUploadsPerCaller)",
            await refusal.ProblemDetailAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, others.StatusCode);
        Assert.StartsWith("HTTP/1.1 201 Created", answer, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    /// <summary>An upload whose client sent the headers and the first rows of a CSV, then stalled.</summary>
    private sealed class StalledUpload : IDisposable
    {
        private const string FirstPart = "a,b\n1,2\n", Rest = "3,4\n";
        private readonly System.Net.Sockets.TcpClient _client = new();

        public static async Task<StalledUpload> OpenAsync(GatewayProcess gateway, string path, string? key = null)
        {
            var upload = new StalledUpload();
            await upload._client.ConnectAsync(gateway.Address.Host, gateway.Address.Port);
            await upload._client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
                $"POST {path} HTTP/1.1\r\nHost: {gateway.Address.Authority}\r\n{(key is null ? string.Empty : $"X-Api-Key: {key}\r\n")}"
                + $"Content-Type: text/csv\r\nContent-Length: {FirstPart.Length + Rest.Length}\r\n\r\n{FirstPart}"));
            return upload;
        }

        /// <summary>
        /// Waits until the gateway counts this upload as being received (<c>orleansml_uploads_receiving</c> at 1): it then
        /// holds its slots, and a request sent after it cannot take them first.
        /// </summary>
        public async Task TakesItsSlotAsync(GatewayProcess gateway)
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!(await gateway.Http.GetStringAsync("/metrics")).Split('\n').Any(line => line.StartsWith("orleansml_uploads_receiving", StringComparison.Ordinal) && line.EndsWith(" 1", StringComparison.Ordinal)))
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "The held upload never reached its route.");
                Assert.True(_client.Available == 0, "The held upload was answered before its body was complete.");
                await Task.Delay(50);
            }
        }

        /// <summary>Sends the rest of the body and returns the start of the answer.</summary>
        public async Task<string> FinishAsync()
        {
            var stream = _client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(Rest));
            var answer = new byte[64];
            var read = await stream.ReadAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            return Encoding.ASCII.GetString(answer, 0, read);
        }

        public void Dispose() => _client.Dispose();
    }
}
