using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>
/// One mutable input row over typed buffers, shaped like a model's input schema: the <c>NumFeatures</c> vector and
/// the text columns. A predictor writes a request into the buffers, calls <see cref="Advance"/>, and reads the
/// mapped output row. Transforms cache per <see cref="Position"/>, so every new row must advance it.
/// </summary>
internal sealed class DynamicInputRow : DataViewRow
{
    private readonly Delegate?[] _getters;
    private long _position = -1;

    public DynamicInputRow(DataViewSchema schema)
    {
        Schema = schema;
        _getters = new Delegate?[schema.Count];
        TextColumns = [.. schema.Where(c => c.Type is TextDataViewType).Select(c => c.Index)];
        Texts = new ReadOnlyMemory<char>[TextColumns.Length];
        foreach (var column in schema)
        {
            if (column.Type is VectorDataViewType vector && vector.ItemType == NumberDataViewType.Single)
            {
                Numbers = new float[vector.Size];
                _getters[column.Index] = (ValueGetter<VBuffer<float>>)GetNumbers;
            }
            else if (column.Type is TextDataViewType)
            {
                var slot = Array.IndexOf(TextColumns, column.Index);
                _getters[column.Index] = (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = Texts[slot]);
            }
            else
            {
                throw new InvalidOperationException(
                    $"The model input column '{column.Name}' has type {column.Type}, which rows cannot be bound to.");
            }
        }
    }

    /// <summary>The <c>NumFeatures</c> values (empty when the model has no numeric input).</summary>
    public float[] Numbers { get; } = [];

    /// <summary>Text inputs, in the order of <see cref="TextColumns"/>.</summary>
    public ReadOnlyMemory<char>[] Texts { get; }

    /// <summary>Schema indices of the text inputs.</summary>
    public int[] TextColumns { get; }

    public override DataViewSchema Schema { get; }

    public override long Position => _position;

    public override long Batch => 0;

    /// <summary>Moves to a new row; required before every prediction.</summary>
    public void Advance() => _position++;

    public override bool IsColumnActive(DataViewSchema.Column column) => true;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
        _getters[column.Index] as ValueGetter<TValue>
        ?? throw new InvalidOperationException($"Column '{column.Name}' is not of type {typeof(TValue).Name}.");

    public override ValueGetter<DataViewRowId> GetIdGetter() =>
        (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

    private void GetNumbers(ref VBuffer<float> value)
    {
        var editor = VBufferEditor.Create(ref value, Numbers.Length);
        Numbers.AsSpan().CopyTo(editor.Values);
        value = editor.Commit();
    }
}
