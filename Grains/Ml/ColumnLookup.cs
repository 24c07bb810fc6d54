using System.Collections.Frozen;

namespace OrleansMl.Ml;

/// <summary>Finds a request column among a model's inputs: exact name first, then ignoring case.</summary>
internal sealed class ColumnLookup
{
    /// <summary>The index reported for the label column, which requests may carry and predictions ignore.</summary>
    public const int LabelIndex = -2;

    private readonly FrozenDictionary<string, int> _exact;
    private readonly FrozenDictionary<string, int> _ignoringCase;

    public ColumnLookup(IEnumerable<string> names, string label)
    {
        var indexed = names.Select((name, index) => (name, index)).ToList();
        indexed.Add((label, LabelIndex));
        _exact = indexed
            .GroupBy(x => x.name, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.First().index, StringComparer.Ordinal);
        _ignoringCase = indexed
            .GroupBy(x => x.name, StringComparer.OrdinalIgnoreCase)
            .ToFrozenDictionary(g => g.Key, g => g.First().index, StringComparer.OrdinalIgnoreCase);
    }

    public bool TryFind(string name, out int index) =>
        _exact.TryGetValue(name, out index) || _ignoringCase.TryGetValue(name, out index);
}
