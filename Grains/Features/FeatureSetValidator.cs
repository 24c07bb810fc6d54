using System.Collections.Immutable;
using System.Globalization;
using OrleansMl.Hosting;

namespace OrleansMl.Features;

/// <summary>Checks a feature set spec against the rules and limits, naming every problem at once.</summary>
public static class FeatureSetValidator
{
    /// <summary>The spec, validated and normalized (defaults filled in).</summary>
    /// <exception cref="InvalidFeatureSetException">Every problem found, in one message.</exception>
    public static (string Key, TimeSpan Ttl, ImmutableArray<FeatureValueSpec> Values, ImmutableArray<AggregateSpec> Aggregates) Validate(
        FeatureSetSpec spec, OrleansMlOptions limits)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(limits);
        var problems = new List<string>();
        var values = spec.Values.IsDefault ? [] : spec.Values;
        var aggregates = spec.Aggregates.IsDefault ? [] : spec.Aggregates;

        if (string.IsNullOrEmpty(spec.Key))
        {
            problems.Add("key is required: the column that identifies an entity, e.g. \"customer_id\"");
        }
        else if (!Names.IsValid(spec.Key))
        {
            problems.Add($"key '{Names.Shown(spec.Key)}' is not a valid column name (1-{Names.MaxLength} ASCII letters, digits, '.', '_' or '-', starting with a letter or digit)");
        }

        if (spec.Ttl is not { } ttl)
        {
            problems.Add("ttl is required: how long a value stays valid, e.g. \"01:00:00\"");
        }
        else if (ttl <= TimeSpan.Zero)
        {
            problems.Add($"ttl {ttl} must be positive, e.g. \"01:00:00\"");
        }

        if (values.IsEmpty && aggregates.IsEmpty)
        {
            problems.Add("the set declares neither values nor aggregates: add at least one");
        }

        if (values.Length > limits.MaxFeatureValuesPerSet)
        {
            problems.Add(Invariant($"{values.Length} values is more than the {limits.MaxFeatureValuesPerSet} allowed (OrleansMl__MaxFeatureValuesPerSet)"));
        }

        if (aggregates.Length > limits.MaxFeatureAggregatesPerSet)
        {
            problems.Add(Invariant($"{aggregates.Length} aggregates is more than the {limits.MaxFeatureAggregatesPerSet} allowed (OrleansMl__MaxFeatureAggregatesPerSet)"));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (value is null || !Names.IsValid(value.Name))
            {
                problems.Add(Invariant($"values[{i}].name '{Names.Shown(value?.Name)}' is not a valid name (1-{Names.MaxLength} ASCII letters, digits, '.', '_' or '-', starting with a letter or digit)"));
                continue;
            }

            if (!names.Add(value.Name))
            {
                problems.Add($"'{value.Name}' is declared twice: value and aggregate names must be unique");
            }

            if (value.Name == spec.Key)
            {
                problems.Add($"value '{value.Name}' has the name of the key column");
            }

            if (value.Kind is not (ColumnKind.Numeric or ColumnKind.Categorical or ColumnKind.Boolean))
            {
                problems.Add($"value '{value.Name}' has kind '{EnumWords.Word(value.Kind.ToString())}': use numeric, categorical or boolean");
            }
            else if (value.Default is { IsMissing: false } fallback && !FeatureKinds.Fits(value.Kind, fallback))
            {
                problems.Add(fallback.Kind == FeatureValueKind.Number && value.Kind == ColumnKind.Numeric
                    ? $"the default of '{value.Name}' {FeatureKinds.Misfit(value.Kind, fallback)}"
                    : $"the default of '{value.Name}' ({FeatureKinds.Describe(fallback)}) is not {FeatureKinds.Expected(value.Kind)}");
            }
            else if (value.Default is { } text && FeatureKinds.TooLong($"the default of '{value.Name}'", text, limits.MaxCellCharacters) is { } tooLong)
            {
                problems.Add(tooLong);
            }
        }

        for (var i = 0; i < aggregates.Length; i++)
        {
            var aggregate = aggregates[i];
            if (aggregate is null || !Names.IsValid(aggregate.Name))
            {
                problems.Add(Invariant($"aggregates[{i}].name '{Names.Shown(aggregate?.Name)}' is not a valid name (1-{Names.MaxLength} ASCII letters, digits, '.', '_' or '-', starting with a letter or digit)"));
                continue;
            }

            if (!names.Add(aggregate.Name))
            {
                problems.Add($"'{aggregate.Name}' is declared twice: value and aggregate names must be unique");
            }

            if (!Enum.IsDefined(aggregate.Op))
            {
                problems.Add($"aggregate '{aggregate.Name}' has no valid op: use count, sum, mean, min or max");
            }

            if (aggregate.Column is null)
            {
                if (aggregate.Op != AggregateOp.Count)
                {
                    problems.Add($"aggregate '{aggregate.Name}' needs a column: the numeric event value to {EnumWords.Word(aggregate.Op.ToString())}");
                }
            }
            else if (!Names.IsValid(aggregate.Column))
            {
                problems.Add($"aggregate '{aggregate.Name}' names column '{Names.Shown(aggregate.Column)}', which is not a valid column name");
            }

            if (aggregate.Window <= TimeSpan.Zero)
            {
                problems.Add($"aggregate '{aggregate.Name}' needs a positive window, e.g. \"01:00:00\"");
            }
            else if (aggregate.Window > limits.MaxFeatureWindow)
            {
                problems.Add($"aggregate '{aggregate.Name}' has window {aggregate.Window}, longer than the {limits.MaxFeatureWindow} allowed (OrleansMl__MaxFeatureWindow)");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidFeatureSetException($"The feature set definition is invalid, nothing was changed: {string.Join("; ", problems)}.");
        }

        return (spec.Key!, spec.Ttl!.Value, values, aggregates);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
