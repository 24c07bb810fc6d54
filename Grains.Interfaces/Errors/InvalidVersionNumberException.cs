namespace OrleansMl;

/// <summary>A version number a caller sent is not one: versions of models and datasets are whole numbers from 1 (see <see cref="VersionNumbers"/>).</summary>
[GenerateSerializer, Alias("OrleansMl.InvalidVersionNumberException")]
public sealed class InvalidVersionNumberException : OrleansMlException
{
    /// <summary>Creates the exception with the field the number came in and a user-facing message.</summary>
    public InvalidVersionNumberException(string field, string message) : base(message) => Field = field;

    /// <summary>The field, argument or path segment that held the number (<c>version</c>, <c>datasetVersion</c>, <c>candidate</c>, ...).</summary>
    [Id(0)]
    public string Field { get; init; }
}
