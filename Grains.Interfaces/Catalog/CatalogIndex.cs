using System.Buffers.Text;
using System.Collections.Immutable;
using System.Text;

namespace OrleansMl;

/// <summary>
/// Listing datasets and models: the catalog is split into <see cref="ShardCount"/> shards by a stable hash of the name,
/// so no grain holds every summary and writes of different names rarely meet. A page asks every shard for the names
/// after the cursor and merges them: <see cref="ShardCount"/> calls per page, however many items exist, and none per item.
/// </summary>
public static class CatalogIndex
{
    /// <summary>How many catalog shards there are. Fixed: changing it re-keys the index.</summary>
    public const int ShardCount = 16;

    /// <summary>Items per page when the caller gives no limit.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>The most items one page may hold.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>
    /// Columns (of the datasets' latest versions, each with its statistics) after which a page of datasets ends, even
    /// short of its limit: about 1.5 MB of JSON, where a page of a hundred datasets of 2,000 columns each would be 30 MB.
    /// A page always holds at least one dataset.
    /// </summary>
    public const int PageColumnBudget = 10_000;

    /// <summary>What a dataset weighs against <see cref="PageColumnBudget"/>.</summary>
    public static int Columns(DatasetSummary dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.Latest.Columns.Length;
    }

    /// <summary>The grain key of shard <paramref name="shard"/>.</summary>
    public static string ShardKey(int shard) => $"catalog-{shard}";

    /// <summary>The shard that lists <paramref name="name"/> (FNV-1a of its characters: the same in every process).</summary>
    public static int ShardOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var hash = 2166136261u;
        foreach (var c in name)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % ShardCount);
    }

    /// <summary>The catalog shard of <paramref name="name"/>.</summary>
    public static ICatalogGrain CatalogShard(this IGrainFactory grains, string name)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<ICatalogGrain>(ShardKey(ShardOf(name)));
    }

    /// <summary>Every shard.</summary>
    public static IEnumerable<ICatalogGrain> Shards(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return Enumerable.Range(0, ShardCount).Select(s => grains.GetGrain<ICatalogGrain>(ShardKey(s)));
    }

    /// <summary>A page of datasets, each with its latest version (schema and statistics without top values).</summary>
    /// <exception cref="InvalidListRequestException">The limit is out of range or the cursor is not one this service issued.</exception>
    public static Task<CatalogPage<DatasetSummary>> ListDatasetsAsync(IGrainFactory grains, int? limit = null, string? cursor = null) =>
        PageAsync(grains, limit, cursor, "d", (shard, after, n) => shard.GetDatasetsAsync(after, n, PageColumnBudget), d => d.Name, PageColumnBudget, Columns);

    /// <summary>A page of models, each with its version count, newest version and aliases.</summary>
    /// <exception cref="InvalidListRequestException">The limit is out of range or the cursor is not one this service issued.</exception>
    public static Task<CatalogPage<ModelSummary>> ListModelsAsync(IGrainFactory grains, int? limit = null, string? cursor = null) =>
        PageAsync(grains, limit, cursor, "m", (shard, after, n) => shard.GetModelsAsync(after, n), m => m.Name, int.MaxValue, static _ => 0);

    /// <summary>Every dataset name known to the catalog, sorted.</summary>
    public static async Task<ImmutableArray<string>> GetDatasetNamesAsync(IGrainFactory grains) =>
        [.. (await Task.WhenAll(Shards(grains).Select(s => s.GetDatasetNamesAsync()))).SelectMany(n => n).Order(StringComparer.Ordinal)];

    /// <summary>Every model name known to the catalog, sorted.</summary>
    public static async Task<ImmutableArray<string>> GetModelNamesAsync(IGrainFactory grains) =>
        [.. (await Task.WhenAll(Shards(grains).Select(s => s.GetModelNamesAsync()))).SelectMany(n => n).Order(StringComparer.Ordinal)];

    /// <summary>The name a cursor continues after (null for the first page).</summary>
    /// <exception cref="InvalidListRequestException">The cursor is not one this service issued for this listing.</exception>
    public static string? ReadCursor(string? cursor, string kind)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        string? text = null;
        if (cursor.Length <= 200 && Base64Url.IsValid(cursor))
        {
            try
            {
                text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            }
            catch (FormatException)
            {
                text = null;
            }
        }

        var prefix = kind + ":";
        return text is not null && text.StartsWith(prefix, StringComparison.Ordinal) && Names.IsValid(text[prefix.Length..])
            ? text[prefix.Length..]
            : throw new InvalidListRequestException(
                $"cursor '{(cursor.Length > 40 ? cursor[..40] + "…" : cursor)}' is not a cursor of this listing: pass the nextCursor of the previous page, or omit it for the first page.");
    }

    /// <summary>The opaque cursor that continues after <paramref name="name"/>.</summary>
    public static string WriteCursor(string name, string kind) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{kind}:{name}"));

    /// <summary>Checks a page size (null: the default).</summary>
    /// <exception cref="InvalidListRequestException">Out of range.</exception>
    public static int ReadLimit(int? limit) => limit switch
    {
        null => DefaultPageSize,
        >= 1 and <= MaxPageSize => limit.Value,
        _ => throw new InvalidListRequestException($"limit must be between 1 and {MaxPageSize} (got {limit}); omit it for {DefaultPageSize}."),
    };

    private static async Task<CatalogPage<T>> PageAsync<T>(
        IGrainFactory grains, int? limit, string? cursor, string kind, Func<ICatalogGrain, string?, int, Task<ImmutableArray<T>>> page,
        Func<T, string> name, int budget, Func<T, int> weight)
    {
        var size = ReadLimit(limit);
        var after = ReadCursor(cursor, kind);

        // One more than asked from each shard, or one past its share of the budget, tells whether anything follows. A
        // shard stops where its own items reach the budget, so the merged page, which ends where all of its items reach
        // it, never needs one a shard left out.
        var parts = await Task.WhenAll(Shards(grains).Select(s => page(s, after, size + 1)));
        var merged = parts.SelectMany(p => p).OrderBy(name, StringComparer.Ordinal).ToList();
        var items = ImmutableArray.CreateBuilder<T>();
        var weighed = 0L;
        foreach (var item in merged)
        {
            if (items.Count >= size || weighed >= budget)
            {
                break;
            }

            items.Add(item);
            weighed += weight(item);
        }

        return new CatalogPage<T>(items.ToImmutable(), merged.Count > items.Count ? WriteCursor(name(items[^1]), kind) : null);
    }
}
