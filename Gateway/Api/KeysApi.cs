using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Gateway.Security;
using System.Text.Json.Serialization;

namespace OrleansMl.Gateway.Api;

/// <summary>REST routes for API keys: <c>/api/keys</c> (scope <c>admin</c>).</summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/keys").WithTags("Keys").RequireScope(Scopes.Admin)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapPost("/", CreateAsync)
            .WithSummary("Create an API key")
            .WithDescription("Returns the secret once, in 'key'; only its SHA-256 is stored. Send it as 'X-Api-Key: <key>' or 'Authorization: Bearer <key>'. "
                + "scopes: read, predict, train, deploy, admin. names: model and dataset name patterns such as 'fraud-*' (default: every name). "
                + "expiresAt: when it stops working (default: never).")
            .WithRequestExample("application/json", """{"name":"scoring-service","scopes":["predict"],"names":["churn*"],"expiresAt":"2030-01-01T00:00:00Z"}""");
        group.MapGet("/", ListAsync).WithSummary("List API keys (without secrets)").AddEndpointFilter<FailoverFilter>();
        group.MapDelete("/{id}", RevokeAsync)
            .WithSummary("Revoke an API key")
            .WithDescription("Every gateway refuses the key within seconds. Revoking a revoked key returns it unchanged.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AddEndpointFilter<FailoverFilter>();
        return app;
    }

    internal static async Task<Created<CreatedApiKey>> CreateAsync(
        CreateKeyBody body, IGrainFactory grains, KeyTableRefresher refresher, HttpResponse response, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(body.Name))
        {
            throw new InvalidApiKeyRequestException("name is required: a name for people and the audit log, e.g. 'scoring-service'.");
        }

        var secret = KeySecrets.New();
        var key = await grains.GetGrain<IApiKeyRegistryGrain>(IApiKeyRegistryGrain.Key).CreateAsync(new NewApiKey(
            body.Name, [.. body.Scopes ?? []], [.. body.Names ?? []], body.ExpiresAt, KeyHash.Of(secret).ToHex()));
        // The key works on this gateway as soon as the answer arrives, and on the others within seconds.
        await refresher.RefreshAsync(cancellationToken);
        response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/keys/{key.Id}", CreatedApiKey.From(key, secret));
    }

    internal static async Task<Ok<KeyList>> ListAsync(IGrainFactory grains) =>
        TypedResults.Ok(new KeyList(await grains.GetGrain<IApiKeyRegistryGrain>(IApiKeyRegistryGrain.Key).ListAsync()));

    internal static async Task<Ok<ApiKeyInfo>> RevokeAsync(string id, IGrainFactory grains, KeyTableRefresher refresher, CancellationToken cancellationToken)
    {
        var key = await grains.GetGrain<IApiKeyRegistryGrain>(IApiKeyRegistryGrain.Key).RevokeAsync(id);
        await refresher.RefreshAsync(cancellationToken);
        return TypedResults.Ok(key);
    }
}

/// <summary>A key to create.</summary>
/// <param name="Name">A name for people and the audit log, unique among valid keys.</param>
/// <param name="Scopes">One or more of read, predict, train, deploy, admin.</param>
/// <param name="Names">Model and dataset name patterns ('fraud-*'); omit for every name.</param>
/// <param name="ExpiresAt">When the key stops working; omit for never.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateKeyBody(string? Name, string[]? Scopes, string[]? Names = null, DateTimeOffset? ExpiresAt = null);

/// <summary>A new key with its secret, shown this once.</summary>
public sealed record CreatedApiKey(
    string Id,
    string Name,
    ImmutableArray<string> Scopes,
    ImmutableArray<string> Names,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset CreatedAt,
    string? CreatedBy,
    string Key)
{
    public static CreatedApiKey From(ApiKeyInfo key, string secret)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new(key.Id, key.Name, key.Scopes, key.Names, key.ExpiresAt, key.CreatedAt, key.CreatedBy, secret);
    }
}

/// <summary>Every key, without secrets.</summary>
public sealed record KeyList(ImmutableArray<ApiKeyInfo> Keys);
