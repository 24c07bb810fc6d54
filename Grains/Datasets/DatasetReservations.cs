namespace OrleansMl.Datasets;

/// <summary>
/// The dataset versions trainings are being accepted on (<see cref="IDatasetReservations"/>), in the memory of the
/// dataset's activation. Losing them with a silo is safe: the model either stored its version, whose lineage then
/// refuses the delete, or did not, and nothing was trained. Each expires after <see cref="Lifetime"/>, so a model
/// activation that died between reserving and releasing cannot hold a version forever, and at most
/// <see cref="MaxHeld"/> are held at once.
/// </summary>
internal sealed class DatasetReservations(TimeProvider time)
{
    /// <summary>
    /// Far longer than accepting a training takes (resolving the version, starting it, one registry write): a registry
    /// write that outlasts it has already failed on the storage's own timeouts.
    /// </summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    /// <summary>More trainings being accepted on one dataset at once than the cluster queues by default, many times over.</summary>
    public const int MaxHeld = 1_000;

    private readonly Dictionary<Guid, Held> _held = [];

    public int Count
    {
        get
        {
            Expire();
            return _held.Count;
        }
    }

    /// <summary>Holds <paramref name="version"/> for <paramref name="model"/>; false when <see cref="MaxHeld"/> are held already.</summary>
    public bool TryHold(Guid reservation, string model, int version)
    {
        Expire();
        if (_held.Count >= MaxHeld && !_held.ContainsKey(reservation))
        {
            return false;
        }

        _held[reservation] = new Held(model, version, time.GetUtcNow() + Lifetime);
        return true;
    }

    public void Release(Guid reservation) => _held.Remove(reservation);

    /// <summary>The models whose trainings hold <paramref name="version"/>, by name.</summary>
    public List<string> HoldersOf(int version)
    {
        Expire();
        return [.. _held.Values.Where(h => h.Version == version).Select(h => h.Model).Distinct().Order(StringComparer.Ordinal)];
    }

    private void Expire()
    {
        var now = time.GetUtcNow();
        foreach (var (id, _) in _held.Where(h => h.Value.Expires <= now).ToList())
        {
            _held.Remove(id);
        }
    }

    private sealed record Held(string Model, int Version, DateTimeOffset Expires);
}
