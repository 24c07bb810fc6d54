using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OrleansMl.Health;

/// <summary>
/// Keyed BLAKE3 of eight messages at once, each at most one block (64 bytes): such a hash is a single compression of the
/// key with the zero-padded block (flags chunk start, chunk end, root and keyed hash; counter 0), so eight lanes of
/// 32-bit words compute eight of them in the time of about one. The same function as the BLAKE3 package's keyed
/// hasher, which checks every id this produces (<see cref="PredictionIds.Read"/>); used where a batch needs many.
/// </summary>
internal static class Blake3Lanes
{
    public const int Lanes = 8;
    public const int BlockBytes = 64;

    private const uint ChunkStart = 1;
    private const uint ChunkEnd = 2;
    private const uint Root = 8;
    private const uint KeyedHash = 16;

    private static readonly uint[] Iv = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];

    // Which message word each of the seven rounds reads in place of word i (BLAKE3's permutation applied round after round).
    private static readonly byte[][] Schedule = CreateSchedule();

    /// <summary>True when eight-lane vectors run in hardware; otherwise callers hash one message at a time.</summary>
    public static bool Supported => Vector256.IsHardwareAccelerated;

    /// <summary>
    /// The first <paramref name="macs"/>.Length / 8 bytes of the keyed BLAKE3 hash of each of eight messages:
    /// <paramref name="blocks"/> holds them zero-padded, 64 bytes each, all <paramref name="length"/> bytes long.
    /// </summary>
    public static void KeyedMacs(ReadOnlySpan<byte> key, ReadOnlySpan<byte> blocks, int length, Span<byte> macs)
    {
        if (key.Length != 32 || blocks.Length < Lanes * BlockBytes || length is < 0 or > BlockBytes || macs.Length % Lanes != 0 || macs.Length / Lanes > 32)
        {
            throw new ArgumentException("Eight blocks of at most 64 bytes, a 32-byte key and at most 32 bytes of output per lane.");
        }

        Span<Vector256<uint>> m = stackalloc Vector256<uint>[16];
        Span<uint> words = stackalloc uint[Lanes * 16];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt32LittleEndian(blocks.Slice(i * 4, 4));
        }

        for (var w = 0; w < 16; w++)
        {
            m[w] = Vector256.Create(words[w], words[16 + w], words[32 + w], words[48 + w], words[64 + w], words[80 + w], words[96 + w], words[112 + w]);
        }

        Span<Vector256<uint>> v = stackalloc Vector256<uint>[16];
        for (var i = 0; i < 8; i++)
        {
            v[i] = Vector256.Create(BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(i * 4, 4)));
        }

        for (var i = 0; i < 4; i++)
        {
            v[8 + i] = Vector256.Create(Iv[i]);
        }

        v[12] = Vector256<uint>.Zero;
        v[13] = Vector256<uint>.Zero;
        v[14] = Vector256.Create((uint)length);
        v[15] = Vector256.Create(ChunkStart | ChunkEnd | Root | KeyedHash);

        foreach (var s in Schedule)
        {
            G(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            G(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            G(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            G(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            G(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            G(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            G(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            G(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }

        // Only the output words the MACs keep: word i of a lane's hash is v[i] ^ v[i + 8].
        var bytes = macs.Length / Lanes;
        Span<Vector256<uint>> hash = stackalloc Vector256<uint>[(bytes + 3) / 4];
        for (var i = 0; i < hash.Length; i++)
        {
            hash[i] = v[i] ^ v[i + 8];
        }

        Span<byte> output = stackalloc byte[32];
        for (var l = 0; l < Lanes; l++)
        {
            for (var i = 0; i < hash.Length; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(output[(i * 4)..], hash[i].GetElement(l));
            }

            output[..bytes].CopyTo(macs[(l * bytes)..]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(Span<Vector256<uint>> v, int a, int b, int c, int d, Vector256<uint> x, Vector256<uint> y)
    {
        v[a] = v[a] + v[b] + x;
        v[d] = Rotate(v[d] ^ v[a], 16);
        v[c] = v[c] + v[d];
        v[b] = Rotate(v[b] ^ v[c], 12);
        v[a] = v[a] + v[b] + y;
        v[d] = Rotate(v[d] ^ v[a], 8);
        v[c] = v[c] + v[d];
        v[b] = Rotate(v[b] ^ v[c], 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate(Vector256<uint> x, int bits) =>
        Vector256.ShiftRightLogical(x, bits) | Vector256.ShiftLeft(x, 32 - bits);

    private static byte[][] CreateSchedule()
    {
        byte[] permutation = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
        var rounds = new byte[7][];
        byte[] words = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        for (var r = 0; r < rounds.Length; r++)
        {
            rounds[r] = [.. words];
            words = [.. permutation.Select(p => words[p])];
        }

        return rounds;
    }
}
