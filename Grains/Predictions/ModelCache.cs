using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansMl.Diagnostics;
using OrleansMl.Ml;
using OrleansMl.Storage;
using OrleansMl.Work;

namespace OrleansMl.Predictions;

/// <summary>
/// Loaded models on this silo, shared by every predictor replica: a model is read from the artifact store and
/// deserialized once per silo. Keyed by model and version: a version that can serve never changes. Holds at most
/// <see cref="Capacity"/> models.
/// </summary>
public sealed class ModelCache(IArtifactStore artifacts)
{
    public const int Capacity = 128;

    private readonly ConcurrentDictionary<(string Model, int Version), Lazy<Task<LoadedModel>>> _models = new();
    private readonly ConcurrentDictionary<(string Model, int Version), long> _sizes = new();
    private readonly ConcurrentQueue<(string Model, int Version)> _order = new();

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
        var lazy = _models.GetOrAdd((model, version), key =>
        {
            _order.Enqueue(key);
            return new Lazy<Task<LoadedModel>>(() => LoadAsync(key, locate));
        });
        TrimToCapacity();
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
            var model = await BoundedWorker.RunAsync(() => LoadedModel.Load(buffer, signature), CancellationToken.None);
            if (_models.ContainsKey(key))
            {
                _sizes[key] = buffer.Length;
            }

            OrleansMlMetrics.ModelLoaded(Stopwatch.GetElapsedTime(started));
            return model;
        }
        catch
        {
            _models.TryRemove(key, out _); // Let the next call try again.
            _sizes.TryRemove(key, out _);
            throw;
        }
    }

    private void TrimToCapacity()
    {
        while (_models.Count > Capacity && _order.TryDequeue(out var oldest))
        {
            if (_models.TryRemove(oldest, out _))
            {
                _sizes.TryRemove(oldest, out _);
                OrleansMlMetrics.ModelEvicted();
            }
        }
    }
}
