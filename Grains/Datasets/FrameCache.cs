using OrleansMl.Diagnostics;
using OrleansMl.Ml;

namespace OrleansMl.Datasets;

/// <summary>
/// The parsed features of recently used dataset versions on this silo, keyed by content hash: bounded by a byte
/// budget (least recently used first out) and a time-to-live, with hit and miss counters per dataset.
/// Concurrent requests for the same version share one load.
/// </summary>
public sealed class FrameCache(long capacityBytes, TimeSpan timeToLive, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recency = [];
    private readonly Dictionary<string, Task<DatasetFrame>> _loading = [];
    private readonly Dictionary<string, (long Hits, long Misses)> _counters = [];
    private long _bytes;

    public long CapacityBytes { get; } = capacityBytes;

    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Returns the cached frame or loads it once, counting a hit or a miss against <paramref name="dataset"/>.</summary>
    public async Task<(DatasetFrame Frame, bool Hit)> GetOrLoadAsync(string dataset, string hash, Func<Task<DatasetFrame>> load)
    {
        Task<DatasetFrame> loading;
        lock (_lock)
        {
            EvictExpired();
            if (_entries.TryGetValue(hash, out var node))
            {
                Touch(node);
                Count(dataset, hit: true);
                return (node.Value.Frame, true);
            }

            Count(dataset, hit: false);
            if (!_loading.TryGetValue(hash, out loading!))
            {
                loading = LoadAndAddAsync(hash, load);
                _loading[hash] = loading;
            }
        }

        return (await loading, false);
    }

    /// <summary>Adds a frame that was just parsed (e.g. at upload), without counting a miss.</summary>
    public void Add(string hash, DatasetFrame frame)
    {
        lock (_lock)
        {
            Insert(hash, frame);
        }
    }

    /// <summary>Hits, misses and held versions for one dataset.</summary>
    public DatasetCacheStats GetStats(string dataset, IEnumerable<string> hashes)
    {
        lock (_lock)
        {
            EvictExpired();
            var (hits, misses) = _counters.GetValueOrDefault(dataset);
            var held = hashes.Distinct().Select(h => _entries.GetValueOrDefault(h)).OfType<LinkedListNode<Entry>>().ToList();
            return new DatasetCacheStats(hits, misses, held.Count, held.Sum(n => n.Value.Frame.EstimatedBytes));
        }
    }

    private async Task<DatasetFrame> LoadAndAddAsync(string hash, Func<Task<DatasetFrame>> load)
    {
        try
        {
            var frame = await load();
            lock (_lock)
            {
                Insert(hash, frame);
            }

            return frame;
        }
        finally
        {
            lock (_lock)
            {
                _loading.Remove(hash);
            }
        }
    }

    private void Insert(string hash, DatasetFrame frame)
    {
        if (_entries.TryGetValue(hash, out var existing))
        {
            Touch(existing);
            return;
        }

        if (frame.EstimatedBytes > CapacityBytes)
        {
            return; // Larger than the whole budget: serve it, but do not keep it.
        }

        var node = _recency.AddFirst(new Entry(hash, frame, time.GetUtcNow()));
        _entries[hash] = node;
        _bytes += frame.EstimatedBytes;
        while (_bytes > CapacityBytes && _recency.Last is { } oldest && oldest != node)
        {
            Remove(oldest);
        }
    }

    private void Touch(LinkedListNode<Entry> node)
    {
        node.Value.LastUsed = time.GetUtcNow();
        _recency.Remove(node);
        _recency.AddFirst(node);
    }

    private void EvictExpired()
    {
        var cutoff = time.GetUtcNow() - timeToLive;
        while (_recency.Last is { } oldest && oldest.Value.LastUsed < cutoff)
        {
            Remove(oldest);
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Hash);
        _bytes -= node.Value.Frame.EstimatedBytes;
    }

    private void Count(string dataset, bool hit)
    {
        var (hits, misses) = _counters.GetValueOrDefault(dataset);
        _counters[dataset] = hit ? (hits + 1, misses) : (hits, misses + 1);
        OrleansMlMetrics.DatasetCacheLookup(dataset, hit);
    }

    private sealed class Entry(string hash, DatasetFrame frame, DateTimeOffset lastUsed)
    {
        public string Hash { get; } = hash;

        public DatasetFrame Frame { get; } = frame;

        public DateTimeOffset LastUsed { get; set; } = lastUsed;
    }
}
