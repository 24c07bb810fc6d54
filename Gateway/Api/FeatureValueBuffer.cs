using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// Cells as a request body is read, in an array of the expected size: when the body holds that many (a client sending
/// batches of one size, a tensor of its declared shape), the array becomes the batch's without a copy.
/// </summary>
internal struct FeatureValueBuffer(int expected)
{
    private FeatureValue[] _cells = expected > 0 ? new FeatureValue[expected] : [];
    private int _count;

    public readonly int Count => _count;

    public void Add(FeatureValue value)
    {
        if (_count == _cells.Length)
        {
            Array.Resize(ref _cells, Math.Max(64, _count * 2));
        }

        _cells[_count++] = value;
    }

    /// <summary>The cells read, as an array of exactly <see cref="Count"/> (the buffer's own when it is full).</summary>
    public readonly FeatureValue[] ToArray() => _count == _cells.Length ? _cells : _cells.AsSpan(0, _count).ToArray();

    public readonly ImmutableArray<FeatureValue> ToImmutable() => ImmutableCollectionsMarshal.AsImmutableArray(ToArray());
}
