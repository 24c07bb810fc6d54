namespace OrleansMl.Gateway.Tests;

/// <summary>
/// A training job that runs for minutes until cancelled, for tests that need a job still running when a silo dies:
/// FastTree with 10,000 trees of 100 leaves on the churn sample repeated 40 times (48,000 rows). Its length comes from
/// the work asked for, not from a search budget, so a faster search cannot end it early.
/// </summary>
internal static class LongFit
{
    /// <summary>The algorithm of the long job.</summary>
    public const string Algorithm = "fasttree";

    /// <summary>The parameters of the long job.</summary>
    public static Dictionary<string, double> Parameters => new()
    {
        ["trees"] = 10_000,
        ["leaves"] = 100,
        ["minLeaf"] = 1,
        ["timeBudgetSeconds"] = 900,
    };

    /// <summary>The rows of <paramref name="csv"/> (a header line, then rows) repeated <paramref name="times"/> times under one header.</summary>
    public static string Repeated(string csv, int times)
    {
        var newline = csv.IndexOf('\n', StringComparison.Ordinal);
        var body = csv[(newline + 1)..].TrimEnd('\n') + "\n";
        return csv[..(newline + 1)] + string.Concat(Enumerable.Repeat(body, times));
    }
}
