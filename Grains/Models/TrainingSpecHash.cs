using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OrleansMl.Ml;

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
    /// The identity of a request, before the latest dataset version is resolved (its idempotency key aside): two requests
    /// with one key are the same request when this matches, even if the dataset got a new version in between. It is taken
    /// from the bound request, so JSON whitespace and field order never count. A setting given with its default value is
    /// the same as one left out (testFraction 0.2 and seed 42 are written as "default", as requests that left them out were
    /// hashed before; task and algorithm auto, no features and no parameters bind alike anyway), and a parameter counts as
    /// the setting it names (iterations is trees). A dataset version given by its number is not the same as none: the
    /// latest may change.
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
                .Select(p => (Key: HyperParameters.Setting(p.Key), p.Value))
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{p.Key}={p.Value.ToString("R", CultureInfo.InvariantCulture)}")).Append('\n')
            .Append("testFraction=").Append(request.TestFraction is { } fraction && fraction != TrainingSpecValidator.DefaultTestFraction
                ? fraction.ToString("R", CultureInfo.InvariantCulture)
                : "default").Append('\n')
            .Append("seed=").Append(request.Seed is { } seed && seed != TrainingSpecValidator.DefaultSeed
                ? seed.ToString(CultureInfo.InvariantCulture)
                : "default");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
