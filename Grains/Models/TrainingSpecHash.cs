using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OrleansMl.Models;

/// <summary>
/// The identity of a resolved <see cref="TrainingSpec"/>: a SHA-256 (hex) over a canonical text of every field, so two
/// requests that train the same thing on the same data have the same hash whatever order their parameters came in.
/// </summary>
public static class TrainingSpecHash
{
    public static string Of(TrainingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = new StringBuilder()
            .Append("dataset=").Append(spec.Dataset).Append('\n')
            .Append("datasetVersion=").Append(spec.DatasetVersion.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("datasetHash=").Append(spec.DatasetHash).Append('\n')
            .Append("label=").Append(spec.Label).Append('\n')
            .Append("task=").Append(EnumWords.Word(spec.Task)).Append('\n')
            .Append("algorithm=").Append(EnumWords.Word(spec.Algorithm)).Append('\n')
            .Append("features=").AppendJoin('\u001f', spec.Features.IsDefault ? [] : spec.Features).Append('\n')
            .Append("parameters=").AppendJoin('\u001f', spec.Parameters
                .Select(p => (Key: p.Key.ToUpperInvariant(), p.Value))
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Key}={p.Value.ToString("R", CultureInfo.InvariantCulture)}")).Append('\n')
            .Append("testFraction=").Append(spec.TestFraction.ToString("R", CultureInfo.InvariantCulture)).Append('\n')
            .Append("seed=").Append(spec.Seed.ToString(CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// The identity of a request as sent, before defaults and the latest dataset version are resolved (its idempotency
    /// key aside): two requests with one key are the same request when this matches, even if the dataset got a new
    /// version in between.
    /// </summary>
    public static string OfRequest(TrainingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var text = new StringBuilder()
            .Append("dataset=").Append(request.Dataset).Append('\n')
            .Append("datasetVersion=").Append(request.DatasetVersion?.ToString(CultureInfo.InvariantCulture) ?? "latest").Append('\n')
            .Append("label=").Append(request.Label).Append('\n')
            .Append("task=").Append(EnumWords.Word(request.Task)).Append('\n')
            .Append("algorithm=").Append(EnumWords.Word(request.Algorithm)).Append('\n')
            .Append("features=").AppendJoin('\u001f', request.Features.IsDefault ? [] : request.Features).Append('\n')
            .Append("parameters=").AppendJoin('\u001f', (request.Parameters ?? ImmutableDictionary<string, double>.Empty)
                .Select(p => (Key: p.Key.ToUpperInvariant(), p.Value))
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Key}={p.Value.ToString("R", CultureInfo.InvariantCulture)}")).Append('\n')
            .Append("testFraction=").Append(request.TestFraction?.ToString("R", CultureInfo.InvariantCulture) ?? "default").Append('\n')
            .Append("seed=").Append(request.Seed?.ToString(CultureInfo.InvariantCulture) ?? "default");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
