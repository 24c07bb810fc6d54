using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace OrleansMl.Ml;

/// <summary>
/// Counts distinct floats with open addressing over their bit patterns: several times faster than
/// <c>HashSet&lt;float&gt;</c> on the million-value columns statistics are computed for.
/// </summary>
internal sealed class FloatSet : IDisposable
{
    private int[] _slots;
    private int _mask;
    private bool _hasZero;

    public FloatSet(int expected)
    {
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, expected * 2));
        _slots = Rent(capacity);
        _mask = capacity - 1;
    }

    public int Count { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(float value)
    {
        // +0 and -0 are one value; the empty-slot marker 0 is the bit pattern of +0, so zero is tracked apart.
        var bits = value == 0 ? 0 : BitConverter.SingleToInt32Bits(value);
        if (bits == 0)
        {
            if (!_hasZero)
            {
                _hasZero = true;
                Count++;
            }

            return;
        }

        var i = (int)(((uint)bits * 0x9E3779B9u) >> 7) & _mask;
        while (true)
        {
            var slot = _slots[i];
            if (slot == bits)
            {
                return;
            }

            if (slot == 0)
            {
                _slots[i] = bits;
                Count++;
                if (Count * 2 > _mask)
                {
                    Grow();
                }

                return;
            }

            i = (i + 1) & _mask;
        }
    }

    private void Grow()
    {
        var old = _slots;
        var oldLength = _mask + 1;
        _slots = Rent(oldLength * 2);
        _mask = (oldLength * 2) - 1;
        foreach (var bits in old.AsSpan(0, oldLength))
        {
            if (bits == 0)
            {
                continue;
            }

            var i = (int)(((uint)bits * 0x9E3779B9u) >> 7) & _mask;
            while (_slots[i] != 0)
            {
                i = (i + 1) & _mask;
            }

            _slots[i] = bits;
        }

        ArrayPool<int>.Shared.Return(old);
    }

    public void Dispose() => ArrayPool<int>.Shared.Return(_slots);

    // Pooled tables are reused across columns, which avoids touching fresh pages for every column.
    private static int[] Rent(int length)
    {
        var slots = ArrayPool<int>.Shared.Rent(length);
        Array.Clear(slots, 0, length);
        return slots;
    }
}
