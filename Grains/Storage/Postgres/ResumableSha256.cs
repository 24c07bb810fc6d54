using System.Buffers.Binary;
using System.Numerics;

namespace OrleansMl.Storage.Postgres;

/// <summary>
/// SHA-256 (FIPS 180-4) whose running state can be saved and restored. A staged upload arrives in chunks, possibly
/// through different silos; the platform's hash objects cannot be persisted between chunks, so without this the
/// commit would have to read every byte back from the database to hash it. The state is 40 bytes plus the unhashed
/// tail of the last block (under 64 bytes).
/// </summary>
internal sealed class ResumableSha256
{
    private const int BlockBytes = 64;
    private const int FixedStateBytes = 8 * sizeof(uint) + sizeof(long);

    private static readonly uint[] RoundConstants =
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    private readonly uint[] _state = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    private readonly byte[] _tail = new byte[BlockBytes];

    /// <summary>Bytes appended so far.</summary>
    public long Length { get; private set; }

    private int TailLength => (int)(Length % BlockBytes);

    /// <summary>Restores a state saved by <see cref="Export"/>.</summary>
    /// <exception cref="FormatException">The bytes are not a saved state.</exception>
    public static ResumableSha256 Restore(ReadOnlySpan<byte> saved)
    {
        if (saved.Length < FixedStateBytes)
        {
            throw new FormatException("A saved SHA-256 state is at least 40 bytes long.");
        }

        var hash = new ResumableSha256();
        for (var i = 0; i < 8; i++)
        {
            hash._state[i] = BinaryPrimitives.ReadUInt32BigEndian(saved[(i * 4)..]);
        }

        hash.Length = BinaryPrimitives.ReadInt64BigEndian(saved[32..]);
        if (hash.Length < 0 || saved.Length != FixedStateBytes + hash.TailLength)
        {
            throw new FormatException("The saved SHA-256 state is inconsistent with its length.");
        }

        saved[FixedStateBytes..].CopyTo(hash._tail);
        return hash;
    }

    /// <summary>Saves the running state: 32 bytes of chaining value, the length, and the pending tail.</summary>
    public byte[] Export()
    {
        var saved = new byte[FixedStateBytes + TailLength];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(saved.AsSpan(i * 4), _state[i]);
        }

        BinaryPrimitives.WriteInt64BigEndian(saved.AsSpan(32), Length);
        _tail.AsSpan(0, TailLength).CopyTo(saved.AsSpan(FixedStateBytes));
        return saved;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        Span<uint> schedule = stackalloc uint[64];
        var pending = TailLength;
        Length += data.Length;
        if (pending > 0)
        {
            var take = Math.Min(BlockBytes - pending, data.Length);
            data[..take].CopyTo(_tail.AsSpan(pending));
            data = data[take..];
            if (pending + take < BlockBytes)
            {
                return;
            }

            Compress(_tail, schedule);
        }

        while (data.Length >= BlockBytes)
        {
            Compress(data[..BlockBytes], schedule);
            data = data[BlockBytes..];
        }

        data.CopyTo(_tail);
    }

    /// <summary>The digest of everything appended so far; the running state is left as it was.</summary>
    public byte[] GetHash()
    {
        var final = Restore(Export());
        var bitLength = (ulong)Length * 8;
        Span<byte> padding = stackalloc byte[BlockBytes * 2];
        padding.Clear();
        padding[0] = 0x80;
        var padLength = (TailLength < 56 ? 56 : 120) - TailLength;
        BinaryPrimitives.WriteUInt64BigEndian(padding[padLength..], bitLength);
        final.Append(padding[..(padLength + 8)]);

        var digest = new byte[32];
        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest.AsSpan(i * 4), final._state[i]);
        }

        return digest;
    }

    private void Compress(ReadOnlySpan<byte> block, Span<uint> w)
    {
        for (var t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block[(t * 4)..]);
        }

        for (var t = 16; t < 64; t++)
        {
            var s0 = BitOperations.RotateRight(w[t - 15], 7) ^ BitOperations.RotateRight(w[t - 15], 18) ^ (w[t - 15] >> 3);
            var s1 = BitOperations.RotateRight(w[t - 2], 17) ^ BitOperations.RotateRight(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }

        uint a = _state[0], b = _state[1], c = _state[2], d = _state[3], e = _state[4], f = _state[5], g = _state[6], h = _state[7];
        for (var t = 0; t < 64; t++)
        {
            var t1 = h + (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25))
                + ((e & f) ^ (~e & g)) + RoundConstants[t] + w[t];
            var t2 = (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22))
                + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }

        _state[0] += a;
        _state[1] += b;
        _state[2] += c;
        _state[3] += d;
        _state[4] += e;
        _state[5] += f;
        _state[6] += g;
        _state[7] += h;
    }
}
