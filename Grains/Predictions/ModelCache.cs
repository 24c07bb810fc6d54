using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using OrleansMl.Diagnostics;
using OrleansMl.Hosting;
using OrleansMl.Ml;
using OrleansMl.Storage;

namespace OrleansMl.Predictions;

/// <summary>
/// Loaded models on this silo, shared by every predictor replica: a model is read from the artifact store and
/// deserialized once per silo. Keyed by model and version: a version that can serve never changes. Bounded by the size
/// of the model files held (<c>OrleansMl__ModelCacheMegabytes</c>); the least recently used model goes first, never the
/// one just loaded. A model in memory takes a few times its file's size, which the setting leaves room for.
/// </summary>
public sealed class ModelCache(IArtifactStore artifacts, IOptions<OrleansMlOptions> options)
{
    // Loads run one at a time (they share one ML.NET context); callers wait for their turn without holding a thread.
    private static readonly SemaphoreSlim LoadGate = new(1, 1);

    private readonly ConcurrentDictionary<(string Model, int Version), Lazy<Task<LoadedModel>>> _models = new();
    private readonly ConcurrentDictionary<(string Model, int Version), long> _sizes = new();
    private readonly ConcurrentDictionary<(string Model, int Version), long> _used = new();
    private readonly Lock _trim = new();
    private long _clock;

    /// <summary>The most bytes of model files held.</summary>
    public long Capacity => options.Value.ModelCacheBytes;

    /// <summary>Models held (loaded or loading).</summary>
    public int Count => _models.Count;

    /// <summary>Size of the model files of the loaded models held.</summary>
    public long Bytes => _sizes.Values.Sum();

    /// <summary>
    /// The loaded model of <paramref name="model"/> version <paramref name="version"/>; on the first call on this silo,
    /// <paramref name="locate"/> says where its artifact is and how to read it (the version grain knows).
    /// </summary>
    public Task<LoadedModel> GetAsync(string model, int version, Func<Task<(string ArtifactHash, ModelSignature Signature)>> locate)
    {
        ArgumentNullException.ThrowIfNull(locate);
        var key = (model, version);
        var lazy = _models.GetOrAdd(key, k => new Lazy<Task<LoadedModel>>(() => LoadAsync(k, locate)));
        _used[key] = Interlocked.Increment(ref _clock);
        return lazy.Value;
    }

    private async Task<LoadedModel> LoadAsync((string Model, int Version) key, Func<Task<(string ArtifactHash, ModelSignature Signature)>> locate)
    {
        try
        {
            var (hash, signature) = await locate();
            var started = Stopwatch.GetTimestamp();
            var buffer = new MemoryStream();
            await using (var stream = await artifacts.OpenReadAsync(hash))
            {
                await stream.CopyToAsync(buffer);
            }

            buffer.Position = 0;
            // Off the grain scheduler, on the thread pool: a load takes milliseconds, not worth a thread of its own.
            LoadedModel model;
            await LoadGate.WaitAsync();
            try
            {
                model = await Task.Run(() => LoadedModel.Load(buffer, signature));
            }
            finally
            {
                LoadGate.Release();
            }

            if (_models.ContainsKey(key))
            {
                _sizes[key] = buffer.Length;
                TrimToCapacity(key);
            }

            OrleansMlMetrics.ModelLoaded(Stopwatch.GetElapsedTime(started));
            return model;
        }
        catch
        {
            _models.TryRemove(key, out _); // Let the next call try again.
            _sizes.TryRemove(key, out _);
            _used.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>Drops the least recently used loaded models until the files held fit the capacity; keeps <paramref name="loaded"/>.</summary>
    private void TrimToCapacity((string Model, int Version) loaded)
    {
        lock (_trim)
        {
            var total = Bytes;
            if (total <= Capacity)
            {
                return;
            }

            foreach (var (key, size) in _sizes.Where(s => s.Key != loaded).OrderBy(s => _used.GetValueOrDefault(s.Key)).ToList())
            {
                if (total <= Capacity)
                {
                    break;
                }

                if (_models.TryRemove(key, out _))
                {
                    _sizes.TryRemove(key, out _);
                    _used.TryRemove(key, out _);
                    total -= size;
                    OrleansMlMetrics.ModelEvicted();
                }
            }
        }
    }
}
