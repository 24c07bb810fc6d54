namespace OrleansMl.Gateway.Mcp;

/// <summary>What <c>delete_model_version</c> deleted.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Version">The deleted version.</param>
public sealed record DeletedVersion(string Model, int Version);
