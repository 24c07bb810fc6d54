namespace OrleansMl;

/// <summary>How rows sent to <see cref="IDatasetGrain.AppendRowsAsync"/> are written.</summary>
public enum RowsFormat
{
    /// <summary>CSV text whose header names the dataset's columns.</summary>
    Csv = 0,

    /// <summary>JSON <c>{"rows": [{"column": value, ...}]}</c>.</summary>
    Json = 1,
}
