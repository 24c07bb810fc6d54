using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using OrleansMl.Ml;

namespace OrleansMl.Health;

/// <summary>
/// Prediction ids that describe themselves, so that serving one costs no storage and no grain call, and feedback can
/// be joined to the version that predicted and to what it predicted without a lookup. An id is the base64url text of
/// 33 bytes: a format byte, the version (int32), the time of the prediction (unix milliseconds, int64), 64 random bits,
/// the prediction (classification: the class index as uint16 and the probability of the positive class of a binary model
/// in 1/65534ths; regression: the value as float32), and the first 8 bytes of a keyed BLAKE3 hash over the model's name and
/// everything before it, keyed with the cluster's signing key. Ids of another model, altered ids and made-up ids fail
/// the check. Ids of the first format (the class index as int32, signed with HMAC-SHA256) are still read.
/// </summary>
public sealed class PredictionIds
{
    public const int TextLength = 44;
    private const byte Format = 2;
    private const byte FirstFormat = 1;
    private const double ProbabilityScale = ushort.MaxValue;
    private const int PayloadLength = 25;
    private const int MacLength = 8;
    private const int Length = PayloadLength + MacLength;
    private const int MinIdsPerPart = 256;

    // One keyed hasher per thread and key, reset after each use: OpenSSL's HMAC costs microseconds a call here, where
    // a managed keyed BLAKE3 costs a fraction of one, which matters at a thousand ids per batch.
    [ThreadStatic]
    private static Dictionary<PredictionIds, Blake3.Hasher>? _hashers;

    [ThreadStatic]
    private static Dictionary<PredictionIds, IncrementalHash>? _hashes;

    private readonly byte[] _key;
    private readonly byte[] _blake3Key;

    public PredictionIds(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = [.. key];
        _blake3Key = key.Length == 32 ? [.. key] : SHA256.HashData(key);
    }

    /// <summary>The key from a configured secret (any text), or derived from what identifies the deployment.</summary>
    public static PredictionIds FromSettings(string? signingKey, string deployment) =>
        new(SHA256.HashData(Encoding.UTF8.GetBytes(string.IsNullOrEmpty(signingKey) ? "orleansml-prediction-ids\n" + deployment : signingKey)));

    /// <summary>An id for a prediction of <paramref name="model"/> version <paramref name="version"/> made at <paramref name="unixMilliseconds"/>.</summary>
    /// <param name="predicted">The class index (classification) or the value (regression), as <see cref="PredictionId.Predicted"/> gives it back.</param>
    /// <param name="probability">The probability of the positive class of a binary model (for AUC from feedback); NaN otherwise.</param>
    public string Create(string model, int version, long unixMilliseconds, bool regression, double predicted, double probability = double.NaN)
    {
        Span<byte> bytes = stackalloc byte[Length];
        Payload(bytes, version, unixMilliseconds, regression, predicted, probability);
        Mac(Format, model, bytes[..PayloadLength], bytes[PayloadLength..]);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The payload of an id: format, version, time, 64 random bits, the prediction.</summary>
    private static void Payload(Span<byte> bytes, int version, long unixMilliseconds, bool regression, double predicted, double probability)
    {
        bytes[0] = Format;
        BinaryPrimitives.WriteInt32LittleEndian(bytes[1..], version);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[5..], unixMilliseconds);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[13..], Random.Shared.NextInt64());
        if (regression)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes[21..], (float)predicted);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes[21..], (ushort)Math.Clamp(predicted, 0, ushort.MaxValue - 1));
            var quantized = double.IsNaN(probability) ? ushort.MaxValue : (ushort)Math.Round(Math.Clamp(probability, 0, 1) * (ProbabilityScale - 1));
            BinaryPrimitives.WriteUInt16LittleEndian(bytes[23..], quantized);
        }
    }

    /// <summary>
    /// The ids of a batch's rows, as <see cref="Create"/> makes them: <paramref name="rows"/> gives each row's predicted value and
    /// probability, read in place without building an array per row.
    /// </summary>
    public string[] CreateMany<TRows>(string model, int version, long unixMilliseconds, bool regression, int count, TRows rows)
        where TRows : struct, IPredictedRows
    {
        // Each id is hashed on its own; a large batch's ids are signed side by side on the cores.
        var ids = new string[count];
        var parts = RowParts.Count(count, MinIdsPerPart);
        RowParts.Run(parts, part =>
        {
            var (from, to) = RowParts.Range(count, parts, part);
            for (var r = from; r < to; r++)
            {
                ids[r] = Create(model, version, unixMilliseconds, regression, rows.Predicted(r), rows.Probability(r));
            }
        });
        return ids;
    }

    /// <summary>Reads and checks an id of <paramref name="model"/>; null when it is not one (malformed, altered, another model's).</summary>
    public PredictionId? Read(string model, string? id, bool regression)
    {
        if (id is null || id.Length != TextLength)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[Length];
        if (!Base64Url.TryDecodeFromChars(id, bytes, out var written) || written != Length || bytes[0] is not (Format or FirstFormat))
        {
            return null;
        }

        Span<byte> mac = stackalloc byte[MacLength];
        Mac(bytes[0], model, bytes[..PayloadLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes[PayloadLength..]))
        {
            return null;
        }

        double predicted;
        double? probability = null;
        if (regression)
        {
            predicted = BinaryPrimitives.ReadSingleLittleEndian(bytes[21..]);
        }
        else if (bytes[0] == FirstFormat)
        {
            predicted = BinaryPrimitives.ReadInt32LittleEndian(bytes[21..]);
        }
        else
        {
            predicted = BinaryPrimitives.ReadUInt16LittleEndian(bytes[21..]);
            var quantized = BinaryPrimitives.ReadUInt16LittleEndian(bytes[23..]);
            probability = quantized == ushort.MaxValue ? null : quantized / (ProbabilityScale - 1);
        }

        return new PredictionId(
            BinaryPrimitives.ReadInt32LittleEndian(bytes[1..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[5..]),
            predicted)
        {
            Probability = probability,
        };
    }

    /// <summary>The version an id names, read without checking it (to find the version whose task says how to check it).</summary>
    public static int? PeekVersion(string? id)
    {
        if (id is null || id.Length != TextLength)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[Length];
        return Base64Url.TryDecodeFromChars(id, bytes, out var written) && written == Length && bytes[0] is (Format or FirstFormat)
            ? BinaryPrimitives.ReadInt32LittleEndian(bytes[1..])
            : null;
    }

    private void Mac(byte format, string model, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> message = stackalloc byte[Math.Min(Encoding.UTF8.GetMaxByteCount(model.Length), 1024) + 1 + PayloadLength];
        var length = Encoding.UTF8.GetBytes(model.AsSpan(0, Math.Min(model.Length, 256)), message);
        message[length++] = 0;
        payload.CopyTo(message[length..]);
        message = message[..(length + payload.Length)];
        if (format == FirstFormat)
        {
            var hashes = _hashes ??= [];
            if (!hashes.TryGetValue(this, out var hash))
            {
                hashes[this] = hash = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
            }

            Span<byte> full = stackalloc byte[32];
            hash.AppendData(message);
            hash.GetHashAndReset(full);
            full[..MacLength].CopyTo(destination);
            return;
        }

        var hashers = _hashers ??= [];
        if (!hashers.TryGetValue(this, out var hasher))
        {
            hashers[this] = hasher = Blake3.Hasher.NewKeyed(_blake3Key);
        }

        hasher.Update(message);
        hasher.Finalize(destination[..MacLength]);
        hasher.Reset();
    }

}

/// <summary>What a checked prediction id says.</summary>
/// <param name="Version">The version that predicted.</param>
/// <param name="UnixMilliseconds">When.</param>
/// <param name="Predicted">The class index (classification) or the value (regression).</param>
public readonly record struct PredictionId(int Version, long UnixMilliseconds, double Predicted)
{
    /// <summary>The probability of the positive class a binary model gave, to 1/65534; null for other tasks and older ids.</summary>
    public double? Probability { get; init; }
}

/// <summary>What an id says of each row of a batch (see <see cref="PredictionIds.CreateMany"/>).</summary>
public interface IPredictedRows
{
    /// <summary>The class index (classification) or the value (regression) of row <paramref name="row"/>.</summary>
    double Predicted(int row);

    /// <summary>The probability of the positive class of a binary model for row <paramref name="row"/>; NaN otherwise.</summary>
    double Probability(int row);
}
