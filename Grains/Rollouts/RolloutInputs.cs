using OrleansMl.Ml;

namespace OrleansMl.Rollouts;

/// <summary>
/// Whether a candidate can take the baseline's traffic: during a rollout the rows sent to an alias are written for the
/// version it points at, and a share of them goes to the candidate, so every row the baseline accepts must be one the
/// candidate accepts too, and both must predict the same label the same way (feedback is scored against either).
/// </summary>
public static class RolloutInputs
{
    /// <summary>Why <paramref name="candidate"/> cannot serve rows written for <paramref name="baseline"/>, or null if it can.</summary>
    public static string? Mismatch(int baselineVersion, ModelSignature baseline, int candidateVersion, ModelSignature candidate)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidate);
        var b = $"version {baselineVersion}";
        var c = $"version {candidateVersion}";
        if (!string.Equals(baseline.Label, candidate.Label, StringComparison.OrdinalIgnoreCase) || baseline.Task != candidate.Task)
        {
            return $"{c} predicts '{candidate.Label}' ({EnumWords.Word(candidate.Task)}) and the baseline, {b}, '{baseline.Label}' ({EnumWords.Word(baseline.Task)}): a rollout compares two versions of the same prediction.";
        }

        // Request columns are matched exactly first, then ignoring case; a column a version keeps but does not read
        // (kind ignored) is accepted in its rows and not needed.
        var baselineInputs = baseline.Inputs.ToDictionary(i => i.Name, StringComparer.OrdinalIgnoreCase);
        var candidateInputs = candidate.Inputs.ToDictionary(i => i.Name, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var input in candidate.Inputs.Where(i => i.Kind != ColumnKind.Ignored))
        {
            if (!baselineInputs.TryGetValue(input.Name, out var theirs) || theirs.Kind == ColumnKind.Ignored)
            {
                problems.Add($"{c} reads column '{input.Name}', which rows for {b} need not carry");
            }
            else if (!SameValues(input.Kind, theirs.Kind))
            {
                problems.Add($"{c} reads '{input.Name}' as {EnumWords.Word(input.Kind)}, {b} as {EnumWords.Word(theirs.Kind)}");
            }
        }

        foreach (var input in baseline.Inputs.Where(i => i.Kind != ColumnKind.Ignored))
        {
            if (!candidateInputs.ContainsKey(input.Name) && !string.Equals(input.Name, candidate.Label, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"rows for {b} carry column '{input.Name}', which {c} does not know");
            }
        }

        return problems.Count == 0
            ? null
            : $"{string.Join("; ", problems)}. Roll out a version trained on the same columns (the same dataset and features), or promote it to another alias.";
    }

    /// <summary>
    /// Why <paramref name="column"/> cannot pick the arm of requests through <paramref name="alias"/>, or null if it can:
    /// it must be a column a prediction row may carry for every version given (the arms), or a request carrying it is
    /// refused by one of them. A row may carry a version's inputs (ignored ones too) and its label, matched as
    /// prediction rows are: the exact name first, then ignoring case.
    /// </summary>
    public static string? StickyByProblem(string column, string model, string alias, IReadOnlyList<(int Version, ModelSignature Signature)> arms)
    {
        ArgumentNullException.ThrowIfNull(column);
        ArgumentNullException.ThrowIfNull(arms);
        if (arms.Count == 0)
        {
            return null;
        }

        var lookups = arms.Select(a => new ColumnLookup(a.Signature.Inputs.Select(i => i.Name), a.Signature.Label)).ToList();
        var refusing = arms.Where((arm, i) => !lookups[i].TryFind(column, out _)).Select(a => a.Version).ToList();
        if (refusing.Count == 0)
        {
            return null;
        }

        var first = arms[0].Signature;
        var inputs = first.Inputs.Select(i => i.Name).Where(name => lookups.All(l => l.TryFind(name, out _))).ToList();
        var label = lookups.All(l => l.TryFind(first.Label, out _)) ? $" and the label '{first.Label}'" : string.Empty;
        return $"stickyBy '{NameList.Cut(column)}' is not a column that requests through alias '{alias}' of model '{model}' may carry: "
            + $"{Versions(refusing)} {(refusing.Count == 1 ? "refuses" : "refuse")} a row with it (unknown column), so no request could be sticky. "
            + $"The columns {Versions(arms.Select(a => a.Version).ToList())} {arms.Count switch { 1 => "takes", 2 => "both take", _ => "all take" }} are "
            + $"{NameList.Quoted(inputs)}{label} (matched ignoring case): choose one of them, e.g. an id every row carries.";
    }

    private static string Versions(List<int> versions) => versions.Count == 1
        ? $"version {versions[0]}"
        : $"versions {string.Join(", ", versions.Take(versions.Count - 1))} and {versions[^1]}";

    // Categorical and text columns both take strings; numbers and booleans are bound by their kinds.
    private static bool SameValues(ColumnKind a, ColumnKind b) =>
        a == b || (a is ColumnKind.Categorical or ColumnKind.Text && b is ColumnKind.Categorical or ColumnKind.Text);
}
