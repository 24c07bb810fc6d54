using System.Buffers;
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
    private bool _pooled;

    public readonly int Count => _count;

    /// <summary>A buffer in arrays of the shared pool, for cells copied elsewhere before <see cref="Return"/>.</summary>
    public static FeatureValueBuffer Pooled(int expected) =>
        new(0) { _cells = ArrayPool<FeatureValue>.Shared.Rent(Math.Max(64, expected)), _pooled = true };

    public void Add(FeatureValue value)
    {
        if (_count == _cells.Length)
        {
            Grow(_count + 1);
        }

        _cells[_count++] = value;
    }

    public void AddRange(ReadOnlySpan<FeatureValue> values)
    {
        if (_count + values.Length > _cells.Length)
        {
            Grow(_count + values.Length);
        }

        values.CopyTo(_cells.AsSpan(_count));
        _count += values.Length;
    }

    public readonly ReadOnlySpan<FeatureValue> AsSpan() => _cells.AsSpan(0, _count);

    /// <summary>The cells read, as an array of exactly <see cref="Count"/> (the buffer's own when it is full).</summary>
    public readonly FeatureValue[] ToArray() => _count == _cells.Length ? _cells : _cells.AsSpan(0, _count).ToArray();

    public readonly ImmutableArray<FeatureValue> ToImmutable() => ImmutableCollectionsMarshal.AsImmutableArray(ToArray());

    /// <summary>Gives a <see cref="Pooled"/> buffer's array back, emptied (cleared: cells may hold a request's strings).</summary>
    public void Return()
    {
        if (_pooled)
        {
            ArrayPool<FeatureValue>.Shared.Return(_cells, clearArray: true);
            _cells = [];
            _count = 0;
            _pooled = false;
        }
    }

    private void Grow(int least)
    {
        var size = Math.Max(Math.Max(64, least), _count * 2);
        if (!_pooled)
        {
            Array.Resize(ref _cells, size);
            return;
        }

        var grown = ArrayPool<FeatureValue>.Shared.Rent(size);
        _cells.AsSpan(0, _count).CopyTo(grown);
        ArrayPool<FeatureValue>.Shared.Return(_cells, clearArray: true);
        _cells = grown;
    }
}
