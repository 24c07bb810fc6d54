using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Security;
using OrleansMl.Gateway.Extensions;

namespace OrleansMl.Gateway.Mcp;

/// <summary>MCP tools for datasets: the same grain calls as <see cref="DatasetsApi"/>.</summary>
[McpServerToolType]
public sealed class DatasetTools(IGrainFactory grains, IOptions<McpGatewayOptions> options)
{
    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "list_datasets", Title = "List datasets", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(DatasetList))]
    [Description("Lists datasets with their latest version: row count and column schema (name, kind, statistics), a page at a time "
        + "sorted by name. Call this first to find the dataset to train on; then describe_dataset for top values and sample rows.")]
    public async Task<CallToolResult> ListDatasets(
        [Description("Most datasets to return, 1 to 1000. Default 100.")] int? limit = null,
        [Description("The nextCursor of the previous page; omit for the first page.")] string? cursor = null)
    {
        var list = await ToolArguments.PageAsync(() => CatalogQueries.ListDatasetsAsync(grains, limit, cursor));
        var more = list.NextCursor is null ? string.Empty : $" More datasets follow: call list_datasets with cursor '{list.NextCursor}'.";
        var text = list.Datasets.IsEmpty
            ? (cursor is null ? "There are no datasets yet. Call create_dataset with CSV text to add one." : "No more datasets.")
            : $"{list.Datasets.Length} dataset(s): "
              + string.Join("; ", list.Datasets.Select(d => $"{d.Name} (v{d.Latest.Version}, {d.Latest.Rows} rows, columns: {string.Join(", ", d.Latest.Columns.Select(c => c.Name))})"))
              + ". Call describe_dataset for statistics and sample rows." + more;
        return ToolResults.Structured(list, text);
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "describe_dataset", Title = "Describe a dataset", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(DatasetDescription))]
    [Description("Shows one dataset version: every column with its kind (numeric, boolean, categorical, text, ignored), "
        + "statistics (count, missing, distinct, min, max, mean, stdDev, top values) and a few sample rows. "
        + "Use it to choose the label column and task before train_model, and to build rows for predict.")]
    public async Task<CallToolResult> DescribeDataset(
        [Description("Dataset name, as listed by list_datasets.")] string name,
        [Description("Dataset version (1, 2, ...). Omit for the latest version.")] int? version = null,
        [Description("How many sample rows to include, 0 to 10. Default 5.")] int sampleRows = 5)
    {
        name = ToolArguments.Name(name, "dataset");
        version = ToolArguments.Version(version);
        if (sampleRows is < 0 or > DatasetPreview.MaxSampleRows)
        {
            throw new McpProtocolException(
                $"sampleRows must be from 0 to {DatasetPreview.MaxSampleRows} (got {sampleRows}); omit it for 5.", McpErrorCode.InvalidParams);
        }

        var description = await CatalogQueries.DescribeDatasetAsync(grains, name, version, sampleRows);
        var v = description.Version;
        var columns = string.Join("; ", v.Columns.Select(DescribeColumn));
        var text = v.DeletedAt is { } deletedAt
            ? $"Dataset '{v.Name}' version {v.Version} of {description.Versions.Length} was deleted at {deletedAt:u}: its {v.Rows} rows are gone, "
                + $"and it cannot be trained on or evaluated. Its columns, kept as lineage: {columns}. "
                + $"Describe another version of it ({string.Join(", ", description.Versions)}), or upload the data again to train on it."
            : $"Dataset '{v.Name}' version {v.Version} of {description.Versions.Length}: {v.Rows} rows. Columns: {columns}. "
                + "Categorical, boolean, numeric and text columns can be labels or features; ignored columns (ids, constants) are not used unless train_model names them in features. "
                + $"Next: train_model with dataset '{v.Name}' and the column to predict as label.";
        return ToolResults.Structured(description, text);
    }

    [RequiresScope(Scopes.Read)]
    [McpServerTool(Name = "get_dataset_drift", Title = "Measure drift between dataset versions", ReadOnly = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(DatasetDrift))]
    [Description("Measures how far a dataset version's columns have moved from another version's: the population stability index (PSI) "
        + "per column, the version's rows counted in the reference version's histogram bins (numeric deciles, top categories, missing apart), "
        + "with both sides' shares per bin. Under 0.1 is usually stable, over 0.2 a shift worth retraining for. Columns only one side has are "
        + "reported as added or removed. Use it after append_rows or a new upload to decide whether to train_model again.")]
    public async Task<CallToolResult> GetDatasetDrift(
        [Description("Dataset name.")] string name,
        [Description("The version to measure (1, 2, ...).")] int version,
        [Description("The reference version. Omit for the newest live version older than 'version'.")] int? against = null)
    {
        name = ToolArguments.Name(name, "dataset");
        var drift = await grains.GetGrain<IDatasetGrain>(name).GetDriftAsync(
            ToolArguments.Version(version), ToolArguments.Version(against, "against") ?? DatasetDrift.PreviousVersion);
        var top = drift.Columns.Where(c => c.Psi is not null).OrderByDescending(c => c.Psi).Take(5)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Column} {c.Psi:F3}"));
        var others = drift.Columns.Where(c => c.Status != DriftStatus.Measured).Select(c => $"{c.Column} ({EnumWords.Word(c.Status)})").ToList();
        var text = (drift.MaxPsi is { } max
                ? string.Create(CultureInfo.InvariantCulture,
                    $"Dataset '{drift.Dataset}' version {drift.Version} against version {drift.Against}: largest PSI {max:F3} on '{drift.MaxColumn}' ({Reading(max)}). Largest: {string.Join(", ", top)}.")
                : $"Dataset '{drift.Dataset}' version {drift.Version} against version {drift.Against}: no column could be measured.")
            + (others.Count > 0 ? $" Not measured: {string.Join(", ", others)}." : string.Empty);
        return ToolResults.Structured(drift, text);
    }

    [RequiresScope(Scopes.Train, Training = true)]
    [McpServerTool(Name = "create_dataset", Title = "Create a dataset version from CSV", Destructive = false, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(DatasetUploadResult))]
    [Description("Uploads CSV text as a new version of a dataset (the dataset is created if it does not exist). The first line is "
        + "the header; values are comma-separated; the schema and statistics are inferred. Uploading identical content again "
        + "returns the existing version. The CSV text is limited in size (see the error text); larger files go through the REST "
        + "API (POST /api/datasets/{name}). Next: describe_dataset, then train_model.")]
    public async Task<CallToolResult> CreateDataset(
        [Description("Dataset name: 1-64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.")] string name,
        [Description("The CSV text, header row first, e.g. \"x1,x2,label\\n1.5,3,yes\\n2.0,1,no\\n\".")] string csv,
        CancellationToken cancellationToken = default)
    {
        name = ToolArguments.Name(name, "dataset");
        var limit = options.Value.MaxCsvBytes;
        var size = Encoding.UTF8.GetByteCount(csv);
        if (size > limit)
        {
            throw new PayloadTooLargeException(string.Create(CultureInfo.InvariantCulture,
                $"The CSV text is {size / 1024.0:F0} KB; create_dataset accepts at most {limit / 1024} KB (Mcp__MaxCsvKilobytes). Upload larger files with POST /api/datasets/{name} (text/csv body)."));
        }

        var result = await grains.UploadDatasetAsync(name, csv, cancellationToken);
        var v = result.Version;
        var text = (result.Created
                ? $"Created dataset '{v.Name}' version {v.Version}: {v.Rows} rows, {v.Columns.Length} columns ({string.Join(", ", v.Columns.Select(c => $"{c.Name}: {EnumWords.Word(c.Kind)}"))}). "
                : $"Identical content already exists as dataset '{v.Name}' version {v.Version}; nothing was added. ")
            + $"Next: describe_dataset for statistics and samples, or train_model with dataset '{v.Name}' and a label column.";
        return ToolResults.Structured(result, text);
    }

    [RequiresScope(Scopes.Train, Training = true)]
    [McpServerTool(Name = "append_rows", Title = "Append rows to a dataset", Destructive = false, Idempotent = false, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(DatasetUploadResult))]
    [Description("Appends rows to a dataset: creates a new version holding the newest version's rows followed by these, without uploading "
        + "the old rows again. Every row names every column of the dataset (describe_dataset lists them); null is a missing value; a value "
        + "that does not fit its column (text in a numeric column, say) is refused with the column named, and nothing is created. "
        + "Next: get_dataset_drift to see whether the data moved, or train_model on the new version.")]
    public async Task<CallToolResult> AppendRows(
        [Description("Dataset name.")] string name,
        [Description("Rows to append, e.g. [{\"x1\": 1.5, \"color\": \"red\", \"label\": \"yes\"}].")] List<Dictionary<string, JsonElement>> rows,
        [Description("Optional id of this request (1-200 printable characters, no spaces). Calling again with the same requestId and the same "
            + "rows returns the version made the first time instead of appending them twice; the same requestId with other rows is refused.")] string? requestId = null,
        CancellationToken cancellationToken = default)
    {
        name = ToolArguments.Name(name, "dataset");
        var body = JsonSerializer.SerializeToUtf8Bytes(new { rows });
        var limit = options.Value.MaxCsvBytes;
        if (body.Length > limit)
        {
            throw new PayloadTooLargeException(string.Create(CultureInfo.InvariantCulture,
                $"The rows are {body.Length / 1024.0:F0} KB as JSON; append_rows accepts at most {limit / 1024} KB (Mcp__MaxCsvKilobytes). Send fewer rows per call, or larger batches with POST /api/datasets/{name}/rows (text/csv body)."));
        }

        var result = await grains.AppendRowsAsync(name, new MemoryStream(body), RowsFormat.Json, requestId, cancellationToken);
        var v = result.Version;
        var text = result.Created
            ? $"Appended rows to dataset '{v.Name}': version {v.Version} has {v.Rows} rows. Next: get_dataset_drift with version {v.Version} to see what moved, or train_model with datasetVersion {v.Version}."
            : $"These rows were already appended with this requestId (or the data is identical to it): dataset '{v.Name}' version {v.Version}, {v.Rows} rows; nothing was added.";
        return ToolResults.Structured(result, text);
    }

    [RequiresScope(Scopes.Train)]
    [McpServerTool(Name = "delete_dataset_version", Title = "Delete a dataset version", Destructive = true, Idempotent = true, OpenWorld = false,
        UseStructuredContent = true, OutputSchemaType = typeof(DatasetVersionInfo))]
    [Description("Deletes the rows of one dataset version. The version stays listed as lineage (schema, content hash, deletedAt) but can no "
        + "longer be trained on or previewed, and its CSV is removed from storage once nothing else uses the same content. Refused while a "
        + "model version that is not deleted was trained on it: delete_model_version those first.")]
    public async Task<CallToolResult> DeleteDatasetVersion(
        [Description("Dataset name.")] string name,
        [Description("The version to delete (1, 2, ...).")] int version)
    {
        name = ToolArguments.Name(name, "dataset");
        var deleted = await grains.GetGrain<IDatasetGrain>(name).DeleteVersionAsync(ToolArguments.Version(version));
        return ToolResults.Structured(deleted,
            $"Dataset '{deleted.Name}' version {deleted.Version} is deleted: its rows are gone; its schema and content hash remain as lineage.");
    }

    private static string Reading(double psi) => psi < 0.1 ? "stable" : psi < 0.2 ? "a moderate shift" : "a significant shift";

    private static string DescribeColumn(ColumnInfo c)
    {
        var stats = c.Kind switch
        {
            ColumnKind.Numeric => string.Create(CultureInfo.InvariantCulture, $"min {c.Min:G4}, max {c.Max:G4}, mean {c.Mean:G4}"),
            _ => c.TopValues.IsDefaultOrEmpty ? $"{c.Distinct} distinct" : $"{c.Distinct} distinct, e.g. {string.Join(", ", c.TopValues.Take(4).Select(t => t.Value))}",
        };
        var missing = c.Missing > 0 ? $", {c.Missing} missing" : string.Empty;
        return $"{c.Name} ({EnumWords.Word(c.Kind)}: {stats}{missing})";
    }
}
