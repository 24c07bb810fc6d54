using System.Collections.Concurrent;
using OrleansMl.Datasets;
using OrleansMl.Ml;
using OrleansMl.Work;

namespace OrleansMl.Trials;

/// <summary>
/// The searches this silo scores fits for, prepared once each (the dataset's features from the silo's frame cache,
/// featurized into the search's folds): at most <see cref="Capacity"/>, each dropped <see cref="IdleFor"/> after its
/// last fit.
/// </summary>
public sealed class SearchTrialCache(ModelTrainer trainer, DatasetFrameLoader frames, TimeProvider time)
{
    public const int Capacity = 4;

    public static readonly TimeSpan IdleFor = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    /// <summary>The prepared search; null when the search would not cross-validate this spec's data.</summary>
    public async Task<SearchTrials?> GetAsync(Guid search, TrainingSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Evict(search);
        var entry = _entries.GetOrAdd(search, _ => new Entry(new Lazy<Task<SearchTrials?>>(() => PrepareAsync(spec))));
        entry.LastUsed = time.GetUtcNow();
        try
        {
            return await entry.Trials.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (entry.Trials.Value.IsFaulted)
        {
            _entries.TryRemove(new KeyValuePair<Guid, Entry>(search, entry));
            throw;
        }
    }

    // Not tied to one caller's cancellation: the fits after it use the same preparation.
    private async Task<SearchTrials?> PrepareAsync(TrainingSpec spec)
    {
        var (frame, _) = await frames.GetAsync(spec.Dataset, spec.DatasetHash, CancellationToken.None);
        return await BoundedWorker.RunAsync(() => trainer.PrepareTrials(frame, spec, CancellationToken.None), CancellationToken.None);
    }

    /// <summary>Drops idle searches, then, when a new search needs room, the least recently used ones.</summary>
    private void Evict(Guid wanted)
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (now - entry.LastUsed > IdleFor)
            {
                _entries.TryRemove(key, out _);
            }
        }

        while (_entries.Count >= Capacity && !_entries.ContainsKey(wanted))
        {
            var oldest = _entries.MinBy(e => e.Value.LastUsed);
            _entries.TryRemove(oldest.Key, out _);
        }
    }

    private sealed class Entry(Lazy<Task<SearchTrials?>> trials)
    {
        public Lazy<Task<SearchTrials?>> Trials { get; } = trials;

        public DateTimeOffset LastUsed { get; set; }
    }
}
