using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>
/// A read-only <see cref="IDataView"/> over a subset of a frame's rows, straight from its columnar arrays: the
/// <c>NumFeatures</c> vector, one text column per categorical or text feature and, when given, the label.
/// </summary>
internal sealed class FrameDataView : IDataView
{
    private readonly FeatureLayout _layout;
    private readonly LabelPlan? _label;
    private readonly int[] _rows;

    public FrameDataView(FeatureLayout layout, LabelPlan? label, int[] rows)
    {
        _layout = layout;
        _label = label;
        _rows = rows;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(layout.InputSchema);
        if (label is not null)
        {
            builder.AddColumn(FeatureLayout.Label, label.ColumnType);
        }

        Schema = builder.ToSchema();
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public int RowCount => _rows.Length;

    public long? GetRowCount() => _rows.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [new Cursor(this, columnsNeeded)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly FrameDataView _view;
        private readonly bool[] _active;
        private readonly float[][] _numeric;
        private readonly int[][] _codes;
        private readonly ReadOnlyMemory<char>[][] _dictionaries;
        private int _index = -1;

        public Cursor(FrameDataView view, IEnumerable<DataViewSchema.Column> columnsNeeded)
        {
            _view = view;
            _active = new bool[view.Schema.Count];
            foreach (var column in columnsNeeded)
            {
                _active[column.Index] = true;
            }

            _numeric = [.. view._layout.Numeric.Select(c => c.Numbers!)];
            _codes = [.. view._layout.Text.Select(c => c.Codes!)];
            _dictionaries = [.. view._layout.Text.Select(c => c.Dictionary!.Select(s => s.AsMemory()).ToArray())];
        }

        public override long Position => _index;

        public override long Batch => 0;

        public override DataViewSchema Schema => _view.Schema;

        private int Row => _view._rows[_index];

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            if (_index + 1 >= _view._rows.Length)
            {
                _index = _view._rows.Length;
                return false;
            }

            _index++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId id) => id = new DataViewRowId((ulong)Row, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var name = column.Name;
            Delegate getter;
            if (name == FeatureLayout.NumericVector && column.Type is VectorDataViewType)
            {
                getter = (ValueGetter<VBuffer<float>>)GetNumeric;
            }
            else if (name == FeatureLayout.Label && _view._label is { } label)
            {
                getter = label.Task switch
                {
                    ModelTask.Binary => (ValueGetter<bool>)((ref bool value) => value = label.Values[Row] > 0),
                    ModelTask.Multiclass => (ValueGetter<uint>)((ref uint value) => value = (uint)label.Values[Row] + 1),
                    _ => (ValueGetter<float>)((ref float value) => value = label.Values[Row]),
                };
            }
            else
            {
                var text = _view._layout.Text.IndexOf(_view._layout.Text.First(c => FeatureLayout.TextColumnName(c.Name) == name));
                var codes = _codes[text];
                var dictionary = _dictionaries[text];
                getter = (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) =>
                {
                    var code = codes[Row];
                    value = code < 0 ? ReadOnlyMemory<char>.Empty : dictionary[code];
                });
            }

            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{name}' is not of type {typeof(TValue).Name}.");
        }

        private void GetNumeric(ref VBuffer<float> value)
        {
            var row = Row;
            var editor = VBufferEditor.Create(ref value, _numeric.Length);
            var values = editor.Values;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = _numeric[i][row];
            }

            value = editor.Commit();
        }
    }
}
