namespace OrleansMl;

/// <summary>The answer to an upload.</summary>
/// <param name="Version">The version holding the uploaded content.</param>
/// <param name="Created">False when identical content already existed and its version was returned instead.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.DatasetUploadResult")]
public sealed record DatasetUploadResult(
    [property: Id(0)] DatasetVersionInfo Version,
    [property: Id(1)] bool Created);
