namespace OrleansMl.Storage;

/// <summary>
/// The owner names of artifact references: <c>dataset/{name}/{version}</c> for a dataset version's CSV and
/// <c>model/{name}/{version}</c> for a model version's zip. Names only hold ASCII letters, digits, '.', '_' and '-'.
/// </summary>
public static class ArtifactOwners
{
    public static string Dataset(string name, int version) => $"dataset/{name}/{version}";

    public static string ModelVersion(string model, int version) => $"model/{model}/{version}";

    /// <summary>Splits an owner name into its kind (<c>dataset</c> or <c>model</c>), name and version; false when malformed.</summary>
    public static bool TryParse(string owner, out string kind, out string name, out int version)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var parts = owner.Split('/');
        kind = parts.Length == 3 ? parts[0] : string.Empty;
        name = parts.Length == 3 ? parts[1] : string.Empty;
        version = 0;
        return parts.Length == 3 && kind is "dataset" or "model" && Names.IsValid(name)
            && int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version) && version >= 1;
    }
}
