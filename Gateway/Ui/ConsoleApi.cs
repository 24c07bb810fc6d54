using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Extensions;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Ui;

/// <summary>
/// The console's client of the gateway's own REST API: every read and action of the console is one of these calls, with
/// the user's credential, exactly as any other client makes it. Error answers become <see cref="ApiProblemException"/>;
/// a 401 also tells the session to ask for a key.
/// </summary>
public sealed class ConsoleApi
{
    private static readonly JsonSerializerOptions Json = CreateJson();

    /// <summary>The title the API gives a model without any rollout (see <c>DomainErrors</c>).</summary>
    private const string RolloutNotFoundTitle = "Rollout not found";
    private const string ScheduleNotFoundTitle = "Schedule not found";

    private readonly HttpClient _http;
    private readonly ConsoleSession _session;

    public ConsoleApi(HttpClient http, GatewayAddress address, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(address);
        _http = http;
        _http.BaseAddress = address.Value;
        _session = session;
    }

    /// <summary>
    /// Checks <paramref name="apiKey"/> (null: no credential) with <c>GET /api/me</c> and signs the session in with it;
    /// <paramref name="userName"/> names the user of an OpenID Connect sign-in whose access token it is.
    /// </summary>
    public async Task<CallerInfo> SignInAsync(string? apiKey, string? userName = null, CancellationToken cancellationToken = default)
    {
        var attempt = _session.BeginSignIn();
        var caller = await SendAsync<CallerInfo>(HttpMethod.Get, "api/me", null, apiKey, cancellationToken);
        if (_session.Attempts == attempt)
        {
            // Still the newest sign-in: an older one (the page's first, anonymous) answering late changes nothing.
            _session.SignedIn(apiKey, caller, userName);
        }

        return caller;
    }

    /// <summary>A page of datasets (<paramref name="cursor"/>: the previous page's <c>nextCursor</c>).</summary>
    public Task<DatasetList> ListDatasetsAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<DatasetList>($"api/datasets{Query(cursor, limit)}", cancellationToken);

    public Task<DatasetInfo> GetDatasetAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync<DatasetInfo>($"api/datasets/{Uri.EscapeDataString(name)}", cancellationToken);

    public Task<DatasetVersionDetails> GetDatasetVersionAsync(string name, int version, CancellationToken cancellationToken = default) =>
        GetAsync<DatasetVersionDetails>($"api/datasets/{Uri.EscapeDataString(name)}/versions/{version}?rows={DatasetPreview.MaxSampleRows}", cancellationToken);

    /// <summary>Uploads a CSV as the multipart file field <c>file</c>, as a browser form would.</summary>
    public Task<DatasetVersionInfo> UploadDatasetAsync(string name, Stream csv, string fileName, CancellationToken cancellationToken = default)
    {
        var file = new StreamContent(csv);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var form = new MultipartFormDataContent { { file, "file", fileName } };
        return SendAsync<DatasetVersionInfo>(HttpMethod.Post, $"api/datasets/{Uri.EscapeDataString(name)}", form, _session.ApiKey, cancellationToken);
    }

    /// <summary>A page of models (<paramref name="cursor"/>: the previous page's <c>nextCursor</c>).</summary>
    public Task<ModelList> ListModelsAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<ModelList>($"api/models{Query(cursor, limit)}", cancellationToken);

    public Task<ModelInfo> GetModelAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync<ModelInfo>($"api/models/{Uri.EscapeDataString(name)}", cancellationToken);

    public Task<ModelVersionInfo> GetVersionAsync(string name, int version, CancellationToken cancellationToken = default) =>
        GetAsync<ModelVersionInfo>($"api/models/{Uri.EscapeDataString(name)}/versions/{version}", cancellationToken);

    public Task<VersionComparison> CompareAsync(string name, int baseline, int candidate, CancellationToken cancellationToken = default) =>
        GetAsync<VersionComparison>($"api/models/{Uri.EscapeDataString(name)}/compare/{baseline}/{candidate}", cancellationToken);

    public Task<JobList> ListJobsAsync(int recent, CancellationToken cancellationToken = default) =>
        GetAsync<JobList>($"api/jobs?recent={recent}", cancellationToken);

    public Task<ModelVersionInfo> TrainAsync(string name, TrainModelBody body, CancellationToken cancellationToken = default) =>
        PostAsync<ModelVersionInfo>($"api/models/{Uri.EscapeDataString(name)}/train", body, cancellationToken);

    public Task<ModelVersionInfo> CancelAsync(string name, int version, CancellationToken cancellationToken = default) =>
        PostAsync<ModelVersionInfo>($"api/models/{Uri.EscapeDataString(name)}/versions/{version}/cancel", null, cancellationToken);

    public Task<AliasInfo> SetAliasAsync(string name, string alias, SetAliasBody body, CancellationToken cancellationToken = default) =>
        SendAsync<AliasInfo>(HttpMethod.Put, $"api/models/{Uri.EscapeDataString(name)}/aliases/{Uri.EscapeDataString(alias)}",
            JsonContent.Create(body, options: Json), _session.ApiKey, cancellationToken);

    public Task<AliasInfo> RollbackAsync(string name, string alias, RollbackBody body, CancellationToken cancellationToken = default) =>
        PostAsync<AliasInfo>($"api/models/{Uri.EscapeDataString(name)}/aliases/{Uri.EscapeDataString(alias)}/rollback", body, cancellationToken);

    public Task<RemovedAlias> RemoveAliasAsync(string name, string alias, string? reason, CancellationToken cancellationToken = default) =>
        SendAsync<RemovedAlias>(HttpMethod.Delete,
            $"api/models/{Uri.EscapeDataString(name)}/aliases/{Uri.EscapeDataString(alias)}{(string.IsNullOrWhiteSpace(reason) ? "" : "?reason=" + Uri.EscapeDataString(reason))}",
            null, _session.ApiKey, cancellationToken);

    /// <summary>The model's current or last rollout; null when none ever ran.</summary>
    public async Task<RolloutInfo?> GetRolloutAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync<RolloutInfo>($"api/models/{Uri.EscapeDataString(name)}/rollout", cancellationToken);
        }
        catch (ApiProblemException e) when (e.Status == StatusCodes.Status404NotFound && e.Title == RolloutNotFoundTitle)
        {
            return null;
        }
    }

    public Task<RolloutInfo> StartRolloutAsync(string name, RolloutBody body, CancellationToken cancellationToken = default) =>
        SendAsync<RolloutInfo>(HttpMethod.Put, $"api/models/{Uri.EscapeDataString(name)}/rollout",
            JsonContent.Create(body, options: Json), _session.ApiKey, cancellationToken);

    public Task<RolloutInfo> AbortRolloutAsync(string name, string? reason, CancellationToken cancellationToken = default) =>
        SendAsync<RolloutInfo>(HttpMethod.Delete,
            $"api/models/{Uri.EscapeDataString(name)}/rollout{(string.IsNullOrWhiteSpace(reason) ? "" : "?reason=" + Uri.EscapeDataString(reason))}",
            null, _session.ApiKey, cancellationToken);

    /// <summary>The model's retraining schedule; null when it has none.</summary>
    public async Task<ScheduleInfo?> GetScheduleAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync<ScheduleInfo>($"api/models/{Uri.EscapeDataString(name)}/schedule", cancellationToken);
        }
        catch (ApiProblemException e) when (e.Status == StatusCodes.Status404NotFound && e.Title == ScheduleNotFoundTitle)
        {
            return null;
        }
    }

    public Task<ScheduleRuns> GetScheduleRunsAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync<ScheduleRuns>($"api/models/{Uri.EscapeDataString(name)}/schedule/runs", cancellationToken);

    public Task<ModelHealth> GetHealthAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync<ModelHealth>($"api/models/{Uri.EscapeDataString(name)}/health", cancellationToken);

    /// <summary>The newest <paramref name="limit"/> model versions trained on one dataset version, and how many there are.</summary>
    public Task<DatasetVersionModels> GetTrainedModelsAsync(string dataset, int version, int limit, CancellationToken cancellationToken = default) =>
        GetAsync<DatasetVersionModels>($"api/datasets/{Uri.EscapeDataString(dataset)}/versions/{version}/models?limit={limit}", cancellationToken);

    /// <summary>The first <paramref name="limit"/> feature sets the key may see, by name.</summary>
    public Task<Api.FeatureSetList> ListFeatureSetsAsync(int limit, CancellationToken cancellationToken = default) =>
        GetAsync<Api.FeatureSetList>($"api/features?limit={limit}", cancellationToken);

    public Task<FeatureSetDefinition> GetFeatureSetAsync(string set, CancellationToken cancellationToken = default) =>
        GetAsync<FeatureSetDefinition>($"api/features/{Uri.EscapeDataString(set)}", cancellationToken);

    public Task<FeatureVector> GetFeaturesAsync(string set, string key, CancellationToken cancellationToken = default) =>
        GetAsync<FeatureVector>($"api/features/{Uri.EscapeDataString(set)}/{Uri.EscapeDataString(key)}", cancellationToken);

    /// <summary>PSI per column of dataset version <paramref name="version"/> against version <paramref name="against"/>.</summary>
    public Task<DatasetDrift> GetDatasetDriftAsync(string dataset, int version, int against, CancellationToken cancellationToken = default) =>
        GetAsync<DatasetDrift>($"api/datasets/{Uri.EscapeDataString(dataset)}/versions/{version}/drift?against={against}", cancellationToken);

    private static string Query(string? cursor, int? limit)
    {
        var parts = new List<string>();
        if (cursor is not null)
        {
            parts.Add($"cursor={Uri.EscapeDataString(cursor)}");
        }

        if (limit is { } n)
        {
            parts.Add($"limit={n}");
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Get, path, null, _session.ApiKey, cancellationToken);

    private Task<T> PostAsync<T>(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(HttpMethod.Post, path, body is null ? null : JsonContent.Create(body, body.GetType(), options: Json), _session.ApiKey, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, string? apiKey, CancellationToken cancellationToken)
    {
        var attempt = _session.Attempts;
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (!string.IsNullOrEmpty(apiKey))
        {
            // An OIDC access token (a JWT: two or four dots) goes where the API looks for tokens; an API key as X-Api-Key.
            if (apiKey.Count(c => c == '.') is 2 or 4)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            }
            else
            {
                request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, apiKey);
            }
        }

        if (_session.Host is { Length: > 0 } host)
        {
            request.Headers.Host = host;
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                ?? throw new ApiProblemException((int)response.StatusCode, "Empty answer", $"{method} /{path} answered without a body.");
        }

        var problem = await ReadProblemAsync(response, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized && _session.Attempts == attempt)
        {
            // Refused with the session's current credential (not one a sign-in has replaced since the call left): ask again.
            _session.Refused(problem.Detail ?? problem.Title);
        }

        throw problem;
    }

    private static async Task<ApiProblemException> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(Json, cancellationToken);
            if (problem is not null)
            {
                return new ApiProblemException(status, problem.Title ?? response.ReasonPhrase ?? $"HTTP {status}", problem.Detail);
            }
        }
        catch (JsonException)
        {
            // Not a ProblemDetails body: the status line is all there is.
        }

        return new ApiProblemException(status, response.ReasonPhrase ?? $"HTTP {status}", null);
    }

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        GatewayExtensions.ConfigureJson(json);
        return json;
    }
}
