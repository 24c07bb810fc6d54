using System.Collections.Immutable;
using System.Globalization;

namespace OrleansMl.Gateway.Ui.Parts;

/// <summary>How the console writes numbers, times and metrics.</summary>
public static class Format
{
    public static string Number(double? value) => value is { } v ? v.ToString(Math.Abs(v) >= 1000 ? "N0" : "0.####", CultureInfo.InvariantCulture) : "";

    public static string Time(DateTimeOffset? value) => value?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "";

    public static string Duration(DateTimeOffset from, DateTimeOffset? to) => to is { } end ? Milliseconds((end - from).TotalMilliseconds) : "";

    /// <summary>The <c>auto</c> search's share of a training, and the fits other silos ran; empty for a named learner.</summary>
    public static string Search(TrainingTimings timings) => timings.SearchMs <= 0
        ? string.Empty
        : $" (search {Milliseconds(timings.SearchMs)}" + (timings.RemoteTrials > 0 ? $", {timings.RemoteTrials} fits on other silos)" : ")");

    public static string Milliseconds(double ms) => ms >= 1000
        ? (ms / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : ms.ToString("0", CultureInfo.InvariantCulture) + " ms";

    public static string Metrics(ImmutableDictionary<string, double> metrics) =>
        string.Join("  ", metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {Number(m.Value)}"));

    public static string Who(string? name) => name ?? "anonymous";

    /// <summary>What a training asked for, in one line: algorithm, task, parameters, features, test fraction, seed.</summary>
    public static string Request(TrainingSpec spec) => string.Join("; ", new[]
    {
        $"{EnumWords.Word(spec.Algorithm)} on task {EnumWords.Word(spec.Task)}",
        spec.Parameters.IsEmpty ? "default parameters" : string.Join(", ", spec.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Number(p.Value)}")),
        spec.Features.IsDefaultOrEmpty ? "every usable column" : $"features {string.Join(", ", spec.Features)}",
        $"test fraction {Number(spec.TestFraction)}",
        $"seed {spec.Seed}",
    });
}
