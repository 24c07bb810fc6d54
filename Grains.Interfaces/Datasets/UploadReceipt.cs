namespace OrleansMl;

/// <summary>A sealed upload in the artifact store.</summary>
/// <param name="ContentHash">SHA-256 of the bytes, hex.</param>
/// <param name="SizeBytes">Number of bytes.</param>
[GenerateSerializer, Immutable, Alias("OrleansMl.UploadReceipt")]
public sealed record UploadReceipt(
    [property: Id(0)] string ContentHash,
    [property: Id(1)] long SizeBytes);
