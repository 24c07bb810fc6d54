using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansMl.Gateway.Tests;

internal static class Json
{
    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException($"Empty body ({(int)response.StatusCode})");
    }

    public static Task<HttpResponseMessage> PostCsvAsync(this HttpClient http, string url, string csv) =>
        http.PostAsync(url, new StringContent(csv, System.Text.Encoding.UTF8, "text/csv"));

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient http, string url, object body) =>
        http.PostAsJsonAsync(url, body, JsonSerializerOptions.Web);

    /// <summary>Polls a model version until its status is terminal.</summary>
    public static async Task<JsonNode> WaitForVersionAsync(this HttpClient http, string model, int version, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var node = await (await http.GetAsync($"/api/models/{model}/versions/{version}")).ReadJsonAsync();
            if (node["status"]?.GetValue<string>() is "succeeded" or "failed" or "cancelled")
            {
                return node;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{model} v{version} did not finish: {node.ToJsonString()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The newest version's 5-minute health window of a model, once the silo has flushed <paramref name="requests"/>
    /// requests into it. Counts are flushed in the order requests were served, so a window that shows the last request
    /// shows every one before it.
    /// </summary>
    public static async Task<JsonNode> WaitForHealthWindowAsync(this HttpClient http, string model, long requests = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var health = await (await http.GetAsync($"/api/models/{model}/health")).ReadJsonAsync();
            if (health["versions"]!.AsArray().FirstOrDefault()?["windows"]![0] is { } window && window["requests"]!.GetValue<long>() >= requests)
            {
                return window;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no request reached the health of {model}: {health.ToJsonString()}");
            }

            await Task.Delay(200);
        }
    }
}
