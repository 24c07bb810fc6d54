namespace OrleansMl.Predictions;

/// <summary>
/// Which arm of a canary a request goes to: a key (the <c>stickyBy</c> value) is hashed to one of 10,000 buckets, the
/// same on every silo and across restarts, and the first <c>weight</c> × 100 buckets go to the candidate; without a
/// key the bucket is random.
/// </summary>
public static class CanarySplit
{
    private const int Buckets = 10_000;

    /// <summary>Whether the request with <paramref name="key"/> goes to the candidate at <paramref name="weight"/> percent.</summary>
    public static bool ToCandidate(string? key, int weight) =>
        weight >= 100 || (weight > 0 && (key is null ? Random.Shared.Next(Buckets) : Bucket(key)) < weight * (Buckets / 100));

    /// <summary>The key's bucket, 0 to 9,999: FNV-1a over its UTF-16 code units, then a 64-bit finalizer to spread similar keys.</summary>
    public static int Bucket(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = 14695981039346656037UL;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return (int)(hash % Buckets);
    }
}
