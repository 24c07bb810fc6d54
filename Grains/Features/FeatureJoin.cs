using System.Collections.Immutable;
using System.Globalization;

namespace OrleansMl.Features;

/// <summary>
/// Joins prediction rows with feature sets (an enriched prediction): per set, the definition is read once, each row's
/// value of the set's key column names an entity, and each distinct entity is read once, all in parallel. The set's
/// values and aggregates that the model takes are added to the rows; a cell the row carries itself (even null) wins. A
/// value that is missing or older than the set's TTL takes the value's declared default, or refuses the request naming
/// the feature, the set and the key. Aggregates are always present (count and sum are 0 over an empty window; mean,
/// min and max are missing then). The key column stays in the rows only when the model takes it.
/// </summary>
public static class FeatureJoin
{
    /// <summary>The most feature sets one prediction may join.</summary>
    public const int MaxSets = 8;

    private const int MaxProblems = 10;

    /// <summary>Checks the names of the feature sets a request joins: valid, distinct, at most <see cref="MaxSets"/>.</summary>
    /// <exception cref="InvalidPredictionInputException">Every problem, named.</exception>
    public static void Validate(ImmutableArray<string> sets)
    {
        if (sets.IsDefaultOrEmpty)
        {
            return;
        }

        if (sets.Length > MaxSets)
        {
            throw new InvalidPredictionInputException(string.Create(CultureInfo.InvariantCulture,
                $"features names {sets.Length} feature sets; a prediction may join at most {MaxSets}."));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            if (!Names.IsValid(set))
            {
                throw new InvalidPredictionInputException(
                    $"features: '{set}' is not a feature set name (1-{Names.MaxLength} ASCII letters, digits, '.', '_' or '-', starting with a letter or digit).");
            }

            if (!seen.Add(set))
            {
                throw new InvalidPredictionInputException($"features names feature set '{set}' twice.");
            }
        }
    }

    /// <summary>
    /// <paramref name="batch"/> with the features of <paramref name="sets"/> that <paramref name="takes"/> accepts joined
    /// into its rows.
    /// </summary>
    /// <exception cref="FeatureSetNotFoundException">A set is not defined.</exception>
    /// <exception cref="InvalidPredictionInputException">A key column is absent or holds a bad key, or a feature is missing or expired without a default.</exception>
    public static async Task<PredictionBatch> JoinAsync(IGrainFactory grains, PredictionBatch batch, ImmutableArray<string> sets, Func<string, bool> takes)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(takes);
        Validate(sets);
        if (sets.IsDefaultOrEmpty)
        {
            return batch;
        }

        var definitions = await Task.WhenAll(sets.Select(s => grains.GetGrain<IFeatureSetGrain>(s).GetAsync()));

        // What each set adds: the features the model takes, in declaration order; a name only once across the sets.
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        var plans = new SetPlan[definitions.Length];
        for (var s = 0; s < definitions.Length; s++)
        {
            var definition = definitions[s];
            var keyColumn = KeyColumn(batch, definition);
            var features = new List<(string Name, FeatureValueSpec? Value)>();
            foreach (var name in definition.Values.Select(v => (v.Name, (FeatureValueSpec?)v))
                         .Concat(definition.Aggregates.Select(a => (a.Name, (FeatureValueSpec?)null))))
            {
                if (!takes(name.Name))
                {
                    continue;
                }

                if (!owner.TryAdd(name.Name, definition.Name))
                {
                    throw new InvalidPredictionInputException(
                        $"features: feature sets '{owner[name.Name]}' and '{definition.Name}' both declare '{name.Name}'; join one of them.");
                }

                features.Add(name);
            }

            plans[s] = new SetPlan(definition, keyColumn, features, Keys(batch, keyColumn, definition));
        }

        // The entities, once per distinct key, every set at once.
        var reads = plans.Select(p => p.Features.Count == 0
            ? Task.FromResult(Array.Empty<FeatureVector>())
            : Task.WhenAll(p.Distinct.Select(k => grains.GetGrain<IFeatureEntityGrain>(FeatureKeys.EntityGrainKey(p.Definition.Name, k))
                .GetAsync(p.Definition.Revision)))).ToArray();
        var vectors = await Task.WhenAll(reads);
        return Build(batch, plans, vectors, takes);
    }

    private static PredictionBatch Build(PredictionBatch batch, SetPlan[] plans, FeatureVector[][] vectors, Func<string, bool> takes)
    {
        // The request's columns (without key columns the model does not take), then each joined feature it lacks.
        var dropped = new HashSet<int>(plans.Select(p => p.KeyColumn).Where(c => !takes(batch.Columns[c])));
        var kept = Enumerable.Range(0, batch.Columns.Length).Where(c => !dropped.Contains(c)).ToArray();
        var columns = kept.Select(c => batch.Columns[c]).ToList();
        var sources = new List<(int Set, int Feature, int RequestColumn)>();
        for (var s = 0; s < plans.Length; s++)
        {
            for (var f = 0; f < plans[s].Features.Count; f++)
            {
                var name = plans[s].Features[f].Name;
                // The row's own column wins, named in any case, as it binds the model's input in any case.
                var at = batch.Columns.IndexOf(name, StringComparer.Ordinal);
                if (at < 0)
                {
                    at = batch.Columns.IndexOf(name, StringComparer.OrdinalIgnoreCase);
                }

                if (at < 0)
                {
                    columns.Add(name);
                }

                sources.Add((s, f, at));
            }
        }

        var width = columns.Count;
        var cells = new FeatureValue[batch.Rows * width];
        var absent = ImmutableArray.CreateBuilder<int>();
        var problems = new List<string>();
        var total = 0;
        for (var r = 0; r < batch.Rows; r++)
        {
            for (var i = 0; i < kept.Length; i++)
            {
                if (batch.Has(r, kept[i]))
                {
                    cells[(r * width) + i] = batch.Cell(r, kept[i]);
                }
                else
                {
                    absent.Add((r * width) + i);
                }
            }

            var added = kept.Length;
            foreach (var (s, f, at) in sources)
            {
                var plan = plans[s];
                var (name, spec) = plan.Features[f];
                var cell = at < 0 ? (r * width) + added++ : (r * width) + Array.IndexOf(kept, at);
                if (at >= 0 && batch.Has(r, at))
                {
                    continue; // the request's own value wins
                }

                var vector = vectors[s][plan.RowKeys[r]];
                if (spec is null)
                {
                    cells[cell] = vector.Aggregates.TryGetValue(name, out var aggregate) && aggregate is { } number ? FeatureValue.FromNumber(number) : FeatureValue.Missing;
                }
                else if (vector.Values.TryGetValue(name, out var reading))
                {
                    cells[cell] = reading.Value;
                }
                else if (spec.Default is { IsMissing: false } fallback)
                {
                    cells[cell] = fallback;
                }
                else
                {
                    total++;
                    if (problems.Count < MaxProblems)
                    {
                        var state = vector.Expired.Contains(name) ? $"expired (older than the ttl {plan.Definition.Ttl})" : "missing";
                        problems.Add($"rows[{r}]: feature '{name}' of feature set '{plan.Definition.Name}' is {state} for {plan.Definition.Key} '{vector.Key}'");
                    }
                }

                if (at >= 0)
                {
                    absent.Remove(cell);
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidPredictionInputException(
                $"{string.Join("; ", problems)}{(total > problems.Count ? string.Create(CultureInfo.InvariantCulture, $" (and {total - problems.Count} more)") : string.Empty)}. "
                + "Write a fresh value (PUT /api/features/{set}/{key}), send the value in the row, or declare a default for the feature.");
        }

        return new PredictionBatch([.. columns], batch.Rows, ImmutableArray.Create(cells), absent.ToImmutable(), batch.Version, batch.Alias);
    }

    /// <summary>The batch column that holds the set's key (exact name first, then ignoring case, as model inputs match).</summary>
    private static int KeyColumn(PredictionBatch batch, FeatureSetDefinition definition)
    {
        var at = batch.Columns.IndexOf(definition.Key, StringComparer.Ordinal);
        if (at < 0)
        {
            at = batch.Columns.IndexOf(definition.Key, StringComparer.OrdinalIgnoreCase);
        }

        return at >= 0
            ? at
            : throw new InvalidPredictionInputException(
                $"Every row needs the column '{definition.Key}': feature set '{definition.Name}' joins on it, and no row has it.");
    }

    /// <summary>Per row, the index of its key among the distinct keys; and the distinct keys.</summary>
    private static (int[] RowKeys, List<string> Distinct) Keys(PredictionBatch batch, int column, FeatureSetDefinition definition)
    {
        var rowKeys = new int[batch.Rows];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var distinct = new List<string>();
        for (var r = 0; r < batch.Rows; r++)
        {
            if (!batch.Has(r, column))
            {
                throw new InvalidPredictionInputException(
                    $"rows[{r}] lacks the column '{definition.Key}': feature set '{definition.Name}' joins on it, so every row needs it.");
            }

            var value = batch.Cell(r, column);
            var key = value.Kind switch
            {
                FeatureValueKind.String => value.Text,
                FeatureValueKind.Number => value.Number.ToString("R", CultureInfo.InvariantCulture),
                _ => null,
            };
            if (key is null || !FeatureKeys.IsValid(key))
            {
                throw new InvalidPredictionInputException(
                    $"rows[{r}]: column '{definition.Key}' (the key of feature set '{definition.Name}') holds {(key is null ? FeatureKinds.Describe(value) : $"'{key}'")}: "
                    + FeatureKeys.Problem(key));
            }

            if (!index.TryGetValue(key, out var at))
            {
                at = distinct.Count;
                index[key] = at;
                distinct.Add(key);
            }

            rowKeys[r] = at;
        }

        return (rowKeys, distinct);
    }

    private sealed record SetPlan(FeatureSetDefinition Definition, int KeyColumn, List<(string Name, FeatureValueSpec? Value)> Features, int[] RowKeys, List<string> Distinct)
    {
        public SetPlan(FeatureSetDefinition definition, int keyColumn, List<(string Name, FeatureValueSpec? Value)> features, (int[] RowKeys, List<string> Distinct) keys)
            : this(definition, keyColumn, features, keys.RowKeys, keys.Distinct)
        {
        }
    }
}
