using System.Collections.Immutable;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>
/// A saved model loaded once and shared: thread-safe. Each thread (or grain activation) scores through its own
/// <see cref="ModelPredictor"/>, because ML.NET row mappers are silently wrong when shared across threads.
/// </summary>
public sealed class LoadedModel
{
    // One context loads every model: each new MLContext scans ML.NET's assemblies for its loadable components again on
    // its first load, which was most of the time a model took to load. Loads through it are serialized.
    private static readonly MLContext Loader = new();
    private static readonly Lock LoaderLock = new();

    private readonly Lock _lock = new();

    private LoadedModel() { }

    public required ModelSignature Signature { get; init; }

    internal ITransformer Model { get; private init; } = null!;

    internal DataViewSchema InputSchema { get; private init; } = null!;

    /// <summary>Every signature input with where its value goes; <see cref="Lookup"/> indexes it by name.</summary>
    internal ImmutableArray<InputBinding> Bindings { get; private init; }

    internal ColumnLookup Lookup { get; private init; } = null!;

    /// <summary>How many inputs a request must carry.</summary>
    internal int RequiredCount { get; private init; }

    /// <summary>Class values in key order, decoded into the label's own kind.</summary>
    internal ImmutableArray<FeatureValue> ClassValues { get; private init; }

    /// <summary>The flattened trees that score batches, or null when the model is not a tree ensemble scored that way.</summary>
    internal TreeScorer? Trees { get; private init; }

    /// <summary>Why <see cref="Trees"/> is null (empty when it is not).</summary>
    internal string TreesUnavailable { get; private init; } = string.Empty;

    /// <summary>Loads model bytes produced by <see cref="ModelTrainer"/>.</summary>
    public static LoadedModel Load(Stream modelZip, ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(modelZip);
        ArgumentNullException.ThrowIfNull(signature);
        ITransformer model;
        DataViewSchema inputSchema;
        lock (LoaderLock)
        {
            model = Loader.Model.Load(modelZip, out inputSchema);
        }

        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        if (inputSchema.GetColumnOrNull(FeatureLayout.NumericVector) is { } numeric)
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            numeric.Annotations.GetValue("SlotNames", ref names);
            var index = 0;
            foreach (var name in names.DenseValues())
            {
                slots[name.ToString()] = index++;
            }
        }

        var row = new DynamicInputRow(inputSchema);
        var bindings = signature.Inputs.Select(input => Bind(input, slots, inputSchema, row)).ToImmutableArray();
        var trees = TreeScorer.TryCreate(model, inputSchema, signature.Task, out var treesUnavailable);
        return new LoadedModel
        {
            Trees = trees,
            TreesUnavailable = treesUnavailable,
            Signature = signature,
            Model = model,
            InputSchema = inputSchema,
            Bindings = bindings,
            RequiredCount = bindings.Count(b => b.IsRequired),
            Lookup = new ColumnLookup(bindings.Select(b => b.Name), signature.Label),
            ClassValues = [.. signature.Classes.Select(c => LabelValues.Decode(signature.LabelKind, c))],
        };
    }

    /// <summary>A new predictor (0.2–2 ms); warm it before it takes traffic.</summary>
    public ModelPredictor CreatePredictor()
    {
        // Building mappers from one transformer on several threads at once is not documented as safe; it is rare.
        lock (_lock)
        {
            return new ModelPredictor(this);
        }
    }

    private static InputBinding Bind(InputColumn input, Dictionary<string, int> slots, DataViewSchema schema, DynamicInputRow row)
    {
        switch (input.Kind)
        {
            case ColumnKind.Numeric or ColumnKind.Boolean:
                return slots.TryGetValue(input.Name, out var slot)
                    ? new InputBinding(input.Name, input.Kind, slot, -1)
                    : throw new InvalidOperationException($"The model has no numeric input slot for column '{input.Name}'.");
            case ColumnKind.Categorical or ColumnKind.Text:
                var column = schema.GetColumnOrNull(FeatureLayout.TextColumnName(input.Name))
                    ?? throw new InvalidOperationException($"The model has no text input for column '{input.Name}'.");
                return new InputBinding(input.Name, input.Kind, -1, Array.IndexOf(row.TextColumns, column.Index));
            default:
                return new InputBinding(input.Name, ColumnKind.Ignored, -1, -1);
        }
    }
}
