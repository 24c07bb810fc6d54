namespace OrleansMl;

/// <summary>Builds and parses the <c>{model}/v{version}</c> keys of <see cref="IModelVersionGrain"/>.</summary>
public static class ModelVersionKey
{
    /// <summary>The grain key of a model version.</summary>
    public static string Format(string model, int version) => $"{model}/v{version}";

    /// <summary>Splits a key made by <see cref="Format"/>.</summary>
    public static (string Model, int Version) Parse(string key)
    {
        var slash = key.LastIndexOf("/v", StringComparison.Ordinal);
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 2), out var version))
        {
            throw new FormatException($"'{key}' is not a model version key of the form model/v1.");
        }

        return (key[..slash], version);
    }
}
