using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansMl.Diagnostics;
using OrleansMl.Ml;
using OrleansMl.Storage;
using OrleansMl.Work;

namespace OrleansMl.Predictions;

/// <summary>
/// Loaded models on this silo, shared by every predictor replica: a model is read from the artifact store and
/// deserialized once per silo. Keyed by version, not by artifact hash alone: identical model bytes can carry
/// different signatures (e.g. the same data with labels spelled yes/no or 1/0). Holds at most
/// <see cref="Capacity"/> models.
/// </summary>
public sealed class ModelCache(IArtifactStore artifacts)
{
    public const int Capacity = 128;

    private readonly ConcurrentDictionary<string, Lazy<Task<LoadedModel>>> _models = new();
    private readonly ConcurrentDictionary<string, long> _sizes = new();
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>Models held (loaded or loading).</summary>
    public int Count => _models.Count;

    /// <summary>Size of the model files of the loaded models held.</summary>
    public long Bytes => _sizes.Values.Sum();

    public Task<LoadedModel> GetAsync(ResolvedVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var lazy = _models.GetOrAdd(Key(version), key =>
        {
            _order.Enqueue(key);
            return new Lazy<Task<LoadedModel>>(() => LoadAsync(key, version.ArtifactHash, version.Signature));
        });
        TrimToCapacity();
        return lazy.Value;
    }

    public static string Key(ResolvedVersion version) =>
        $"{ModelVersionKey.Format(version.Model, version.Version)}@{version.ArtifactHash}";

    private async Task<LoadedModel> LoadAsync(string key, string hash, ModelSignature signature)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
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
