using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>
/// Scores rows with no compile-time types: one row through ML.NET's row mapper, several rows of a tree ensemble a
/// block at a time through <see cref="TreeScorer"/>. Not thread-safe: one per thread or activation.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The input row is a set of managed buffers; ML.NET rows are disposable only to release cursors, which it has none of.")]
public sealed class ModelPredictor
{
    private readonly LoadedModel _model;
    private readonly DynamicInputRow _input;
    private readonly int[] _seen;
    private readonly ValueGetter<float>? _score;
    private readonly ValueGetter<float>? _probability;
    private readonly ValueGetter<VBuffer<float>>? _scores;
    private VBuffer<float> _scoreBuffer;
    private int _stamp;

    // The columns of the last batch and how they bind: batches from one client usually repeat them.
    private string[]? _matchedColumns;
    private int[] _matchedSlots = [];
    private bool _matchedExact;

    // Batches of tree-ensemble rows: featurized into a block of rows, then scored by the flattened trees.
    private readonly TreeScorer? _trees;
    private readonly ValueGetter<VBuffer<float>>? _features;
    private readonly int[]? _featureSlot;
    private readonly int _blockRows;
    private VBuffer<float> _featureBuffer;
    private int[] _block = [];
    private double[] _sums = [];
    private float[] _blockScores = [];
    private float[] _blockProbabilities = [];

    // A large batch is split over the cores: parts of at least this many rows, each scored by its own predictor.
    private const int MinRowsPerPart = 256;
    private ModelPredictor[] _helpers = [];

    /// <summary>What the model takes and gives.</summary>
    public ModelSignature Signature => _model.Signature;

    /// <summary>The classes as label values, in the label column's own kind (empty for regression).</summary>
    public ImmutableArray<FeatureValue> ClassValues => _model.ClassValues;

    /// <summary>Whether the model takes <paramref name="column"/> as an input (matched as request columns are; the label is not an input).</summary>
    public bool Takes(string column) => _model.Lookup.TryFind(column, out var index) && index >= 0;

    internal ModelPredictor(LoadedModel model)
    {
        _model = model;
        _input = new DynamicInputRow(model.InputSchema);
        _seen = new int[model.Bindings.Length];
        var mapper = model.Model.GetRowToRowMapper(model.InputSchema);
        var outputs = mapper.OutputSchema;
        var score = outputs["Score"];
        var active = new List<DataViewSchema.Column> { score };
        var task = model.Signature.Task;
        if (task == ModelTask.Binary)
        {
            active.Add(outputs["Probability"]);
        }

        var output = mapper.GetRow(_input, active);
        if (task == ModelTask.Multiclass)
        {
            _scores = output.GetGetter<VBuffer<float>>(score);
        }
        else
        {
            _score = output.GetGetter<float>(score);
        }

        if (task == ModelTask.Binary)
        {
            _probability = output.GetGetter<float>(outputs["Probability"]);
        }

        _trees = model.Trees;
        if (_trees is not null)
        {
            _blockRows = _trees.BlockRows;
            if (!_trees.PassThrough)
            {
                var featurizer = _trees.Featurizer.GetRowToRowMapper(model.InputSchema);
                var features = featurizer.OutputSchema[FeatureLayout.Features];
                _features = featurizer.GetRow(_input, [features]).GetGetter<VBuffer<float>>(features);
                _featureSlot = new int[_trees.FeatureCount];
                Array.Fill(_featureSlot, -1);
                for (var j = 0; j < _trees.UsedFeatures.Length; j++)
                {
                    _featureSlot[_trees.UsedFeatures[j]] = j;
                }
            }
        }

        // The first call through a mapper pays for lazy initialization; pay it here rather than on a request.
        Array.Fill(_input.Numbers, float.NaN);
        ScoreInto(new ScoredRows(task, 1, model.Signature.Classes.Length), 0);
        if (_features is not null)
        {
            _input.Advance();
            _features(ref _featureBuffer);
        }
    }

    /// <summary>
    /// Scores rows given as column name to value, in order, with the same checks as <see cref="Predict(IReadOnlyDictionary{string, FeatureValue})"/>;
    /// an error names the row (<c>rows[3]: ...</c>) when there are several. Tree ensembles score several rows a block at
    /// a time through flattened trees, with results equal to ML.NET's.
    /// </summary>
    public ImmutableArray<Prediction> Predict(IReadOnlyList<IReadOnlyDictionary<string, FeatureValue>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var scored = Score(new DictionaryRows(rows));
        var predictions = ImmutableArray.CreateBuilder<Prediction>(scored.Count);
        for (var i = 0; i < scored.Count; i++)
        {
            predictions.Add(ToPrediction(scored, i));
        }

        return predictions.MoveToImmutable();
    }

    /// <summary>
    /// Scores a batch (rows as arrays aligned to its columns) into arrays, with the same checks and errors as the
    /// dictionary form: the columns are matched to the model's inputs once per batch, not once per row.
    /// </summary>
    public ScoredRows Predict(PredictionBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Score(new BatchRows(this, batch));
    }

    /// <summary>Binds each row in turn into the input row.</summary>
    private interface IRowSource
    {
        int Count { get; }

        /// <summary>Checks what is wrong with the row as a whole (a null row), before binding; not prefixed with the row.</summary>
        void Check(int row);

        /// <summary>Binds the row, or throws <see cref="InvalidPredictionInputException"/> naming the problem.</summary>
        void Bind(ModelPredictor predictor, int row);
    }

    private readonly struct DictionaryRows(IReadOnlyList<IReadOnlyDictionary<string, FeatureValue>> rows) : IRowSource
    {
        public int Count => rows.Count;

        public void Check(int row)
        {
            if (rows[row] is null)
            {
                throw NullRow(row);
            }
        }

        public void Bind(ModelPredictor predictor, int row)
        {
            if (!predictor.TryBindExactly(rows[row]))
            {
                predictor.Bind(rows[row]);
            }
        }
    }

    private readonly struct BatchRows : IRowSource
    {
        private readonly PredictionBatch _batch;
        private readonly int[] _slots;
        private readonly bool _exact;

        public BatchRows(ModelPredictor predictor, PredictionBatch batch)
        {
            var columns = batch.Columns.IsDefault ? 0 : batch.Columns.Length;
            var cells = batch.Cells.IsDefault ? 0 : batch.Cells.Length;
            if (batch.Rows < 0 || cells != batch.Rows * columns)
            {
                throw new InvalidPredictionInputException(
                    $"The batch holds {cells} cells for {batch.Rows} rows of {columns} columns; each row needs one cell per column.");
            }

            _batch = batch.Columns.IsDefault || batch.Cells.IsDefault ? batch with { Columns = [], Cells = [] } : batch;
            (_slots, _exact) = predictor.MatchColumns(_batch);
        }

        public int Count => _batch.Rows;

        public void Check(int row)
        {
        }

        public void Bind(ModelPredictor predictor, int row)
        {
            // The exact case binds straight from the cells; anything else (an absent, unknown or mistyped cell) goes
            // through the dictionary form, which also explains the error.
            if (!_exact || !predictor.TryBindCells(_batch, row, _slots))
            {
                predictor.Bind(_batch.Row(row));
            }
        }
    }

    /// <summary>
    /// Per column of the batch, the index of the input it binds (or <see cref="ColumnLookup.LabelIndex"/>, or -1 when
    /// unknown); and whether every row can bind straight from the cells: no absent cells, no unknown columns, every
    /// required input present. The last batch's answer is reused when its column names are the same.
    /// </summary>
    private (int[] Slots, bool Exact) MatchColumns(PredictionBatch batch)
    {
        var columns = batch.Columns;
        if (_matchedColumns is { } last && !columns.IsDefault
            && (ReferenceEquals(last, ImmutableCollectionsMarshal.AsArray(columns)) || last.AsSpan().SequenceEqual(columns.AsSpan())))
        {
            return (_matchedSlots, _matchedExact && batch.Absent.IsDefaultOrEmpty);
        }

        var slots = new int[columns.Length];
        var stamp = ++_stamp;
        var exact = true;
        for (var c = 0; c < columns.Length; c++)
        {
            if (_model.Lookup.TryFind(columns[c], out var index))
            {
                slots[c] = index;
                if (index >= 0)
                {
                    if (_seen[index] == stamp)
                    {
                        throw NamedTwice(index, FirstBinding(columns.AsSpan(0, c), index), columns[c]);
                    }

                    _seen[index] = stamp;
                }
            }
            else
            {
                slots[c] = -1;
                exact = false;
            }
        }

        var bindings = _model.Bindings;
        for (var i = 0; i < bindings.Length; i++)
        {
            exact &= _seen[i] == stamp || !bindings[i].IsRequired;
        }

        _matchedColumns = columns.IsDefault ? null : ImmutableCollectionsMarshal.AsArray(columns);
        _matchedSlots = slots;
        _matchedExact = exact;
        return (slots, exact && batch.Absent.IsDefaultOrEmpty);
    }

    /// <summary>Binds row <paramref name="row"/> straight from the cells; false when a cell has the wrong type.</summary>
    private bool TryBindCells(PredictionBatch batch, int row, int[] slots)
    {
        var cells = batch.Cells.AsSpan().Slice(row * slots.Length, slots.Length);
        var bindings = _model.Bindings.AsSpan();
        var numbers = _input.Numbers;
        for (var c = 0; c < slots.Length; c++)
        {
            var index = slots[c];
            if (index < 0)
            {
                continue;
            }

            ref readonly var binding = ref bindings[index];
            var value = cells[c];
            switch (binding.Kind)
            {
                case ColumnKind.Numeric when value.Kind == FeatureValueKind.Number:
                    numbers[binding.Slot] = (float)value.Number;
                    break;
                case ColumnKind.Numeric when TryNumber(value, out var number):
                    numbers[binding.Slot] = number;
                    break;
                case ColumnKind.Boolean when TryBoolean(value, out var flag):
                    numbers[binding.Slot] = flag;
                    break;
                case ColumnKind.Categorical or ColumnKind.Text:
                    _input.Texts[binding.Text] = Text(value);
                    break;
                case ColumnKind.Numeric or ColumnKind.Boolean:
                    return false;
                default:
                    break;
            }
        }

        return true;
    }

    /// <summary>
    /// Scores every row: one at a time through ML.NET's row mapper, or, for several rows of a tree ensemble, a block at
    /// a time through the flattened trees (results equal to ML.NET's).
    /// </summary>
    private ScoredRows Score<TRows>(TRows rows) where TRows : IRowSource
    {
        var count = rows.Count;
        var task = _model.Signature.Task;
        var scored = new ScoredRows(task, count, _model.Signature.Classes.Length);
        if (_trees is null || count == 1)
        {
            for (var i = 0; i < count; i++)
            {
                rows.Check(i);
                try
                {
                    rows.Bind(this, i);
                }
                catch (InvalidPredictionInputException ex) when (count > 1)
                {
                    throw new InvalidPredictionInputException($"rows[{i}]: {ex.Message}");
                }

                ScoreInto(scored, i);
            }

            return scored;
        }

        var parts = RowParts.Count(count, MinRowsPerPart);
        if (parts == 1)
        {
            ScoreBlocks(rows, 0, count, scored);
            return scored;
        }

        // A large batch is split over the cores, each part scored by a predictor of its own (the first by this one).
        var helpers = Helpers(parts - 1);
        RowParts.Run(parts, part =>
        {
            var (from, to) = RowParts.Range(count, parts, part);
            (part == 0 ? this : helpers[part - 1]).ScoreBlocks(rows, from, to, scored);
        });
        return scored;
    }

    /// <summary>Predictors of the same model for the other parts of a split batch, created on first use and kept.</summary>
    private ModelPredictor[] Helpers(int count)
    {
        if (_helpers.Length < count)
        {
            var helpers = new ModelPredictor[count];
            _helpers.CopyTo(helpers, 0);
            for (var i = _helpers.Length; i < count; i++)
            {
                helpers[i] = _model.CreatePredictor();
            }

            _helpers = helpers;
        }

        return _helpers;
    }

    /// <summary>Scores rows [<paramref name="from"/>, <paramref name="to"/>) a block at a time through the flattened trees.</summary>
    private void ScoreBlocks<TRows>(TRows rows, int from, int to, ScoredRows scored) where TRows : IRowSource
    {
        EnsureBlock();
        var trees = _trees!;
        var task = _model.Signature.Task;
        var classes = trees.OutputCount;
        for (var start = from; start < to; start += _blockRows)
        {
            var block = Math.Min(_blockRows, to - start);
            var hasMissing = false;
            for (var r = 0; r < block; r++)
            {
                rows.Check(start + r);
                try
                {
                    rows.Bind(this, start + r);
                }
                catch (InvalidPredictionInputException ex)
                {
                    throw new InvalidPredictionInputException($"rows[{start + r}]: {ex.Message}");
                }

                hasMissing |= Featurize(r);
            }

            trees.Score(_block, block, hasMissing, _sums, _blockScores, _blockProbabilities);
            for (var r = 0; r < block; r++)
            {
                switch (task)
                {
                    case ModelTask.Binary:
                        Binary(scored, start + r, _blockScores[r], _blockProbabilities[r]);
                        break;
                    case ModelTask.Multiclass:
                        Multiclass(scored, start + r, _blockScores.AsSpan(r * classes, classes));
                        break;
                    default:
                        scored.Scores[start + r] = Finite(_blockScores[r]);
                        break;
                }
            }
        }
    }

    private static InvalidPredictionInputException NullRow(int index) =>
        new($"rows[{index}] is null: send an object of column name to value.");

    /// <summary>Allocates the block buffers on first use: a predictor that never scores a batch does not hold them.</summary>
    private void EnsureBlock()
    {
        var trees = _trees!;
        if (_block.Length == 0)
        {
            _block = new int[_blockRows * trees.Width];
            _sums = new double[_blockRows * trees.OutputCount];
            _blockScores = new float[_blockRows * trees.OutputCount];
            _blockProbabilities = new float[_blockRows];
        }
    }

    /// <summary>
    /// Puts the bound row's features the trees read into row <paramref name="r"/> of the block: straight from the
    /// numeric inputs when they are the features, else through ML.NET's featurizer. True when one of them is missing.
    /// </summary>
    private bool Featurize(int r)
    {
        var used = _trees!.UsedFeatures;
        var stride = _blockRows;
        var block = _block;
        var missing = false;
        if (_features is null)
        {
            var numbers = _input.Numbers;
            for (var j = 0; j < used.Length; j++)
            {
                var value = numbers[used[j]];
                block[(j * stride) + r] = FlatTrees.Key(value);
                missing |= float.IsNaN(value);
            }

            return missing;
        }

        _input.Advance();
        _features(ref _featureBuffer);
        var values = _featureBuffer.GetValues();
        if (_featureBuffer.IsDense)
        {
            for (var j = 0; j < used.Length; j++)
            {
                var value = values[used[j]];
                block[(j * stride) + r] = FlatTrees.Key(value);
                missing |= float.IsNaN(value);
            }

            return missing;
        }

        for (var j = 0; j < used.Length; j++)
        {
            block[(j * stride) + r] = 0;
        }

        var indices = _featureBuffer.GetIndices();
        var slots = _featureSlot!;
        for (var i = 0; i < indices.Length; i++)
        {
            var slot = slots[indices[i]];
            if (slot >= 0)
            {
                block[(slot * stride) + r] = FlatTrees.Key(values[i]);
                missing |= float.IsNaN(values[i]);
            }
        }

        return missing;
    }

    /// <summary>
    /// Scores a row given as column name to value. Throws <see cref="InvalidPredictionInputException"/> naming the
    /// column when a required column is absent, a column is unknown, or a value has the wrong type (e.g. a string that
    /// is not a number for a numeric column). Explicitly missing values (<see cref="FeatureValue.Missing"/>) are allowed.
    /// </summary>
    public Prediction Predict(IReadOnlyDictionary<string, FeatureValue> row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (!TryBindExactly(row))
        {
            Bind(row);
        }

        var scored = new ScoredRows(_model.Signature.Task, 1, _model.Signature.Classes.Length);
        ScoreInto(scored, 0);
        return ToPrediction(scored, 0);
    }

    /// <summary>
    /// The common case without enumerating the request: it holds exactly the required columns, spelled as trained,
    /// with values of the right type. Anything else goes through <see cref="Bind"/>, which also explains errors.
    /// </summary>
    private bool TryBindExactly(IReadOnlyDictionary<string, FeatureValue> row)
    {
        if (row.Count != _model.RequiredCount)
        {
            return false;
        }

        foreach (var binding in _model.Bindings)
        {
            if (!binding.IsRequired)
            {
                continue;
            }

            if (!row.TryGetValue(binding.Name, out var value))
            {
                return false;
            }

            switch (binding.Kind)
            {
                case ColumnKind.Numeric when TryNumber(value, out var number):
                    _input.Numbers[binding.Slot] = number;
                    break;
                case ColumnKind.Boolean when TryBoolean(value, out var flag):
                    _input.Numbers[binding.Slot] = flag;
                    break;
                case ColumnKind.Categorical or ColumnKind.Text:
                    _input.Texts[binding.Text] = Text(value);
                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    private void Bind(IReadOnlyDictionary<string, FeatureValue> row)
    {
        var stamp = ++_stamp;
        var bindings = _model.Bindings;
        List<string>? unknown = null;
        List<string>? wrongTypes = null;
        foreach (var (name, value) in row)
        {
            if (!_model.Lookup.TryFind(name, out var index))
            {
                (unknown ??= []).Add(name);
                continue;
            }

            if (index == ColumnLookup.LabelIndex)
            {
                continue;
            }

            if (_seen[index] == stamp)
            {
                throw NamedTwice(index, row.Keys.First(n => _model.Lookup.TryFind(n, out var other) && other == index), name);
            }

            _seen[index] = stamp;
            var binding = bindings[index];
            switch (binding.Kind)
            {
                case ColumnKind.Numeric when TryNumber(value, out var number):
                    _input.Numbers[binding.Slot] = number;
                    break;
                case ColumnKind.Boolean when TryBoolean(value, out var flag):
                    _input.Numbers[binding.Slot] = flag;
                    break;
                case ColumnKind.Categorical or ColumnKind.Text:
                    _input.Texts[binding.Text] = Text(value);
                    break;
                case ColumnKind.Numeric or ColumnKind.Boolean:
                    (wrongTypes ??= []).Add(binding.Kind == ColumnKind.Numeric
                        ? $"column '{binding.Name}' expects a number but got {Quote(value)}"
                        : $"column '{binding.Name}' expects a boolean (true/false, yes/no or 1/0) but got {Quote(value)}");
                    break;
                default:
                    break;
            }
        }

        List<string>? missing = null;
        for (var i = 0; i < bindings.Length; i++)
        {
            if (_seen[i] != stamp && bindings[i].IsRequired)
            {
                (missing ??= []).Add(bindings[i].Name);
            }
        }

        if (missing is not null || unknown is not null || wrongTypes is not null)
        {
            throw new InvalidPredictionInputException(Problems(missing, unknown, wrongTypes));
        }
    }

    /// <summary>Scores the bound input row into row <paramref name="i"/> of <paramref name="scored"/>.</summary>
    private void ScoreInto(ScoredRows scored, int i)
    {
        _input.Advance();
        switch (_model.Signature.Task)
        {
            case ModelTask.Binary:
            {
                float score = 0;
                float probability = 0;
                _score!(ref score);
                _probability!(ref probability);
                Binary(scored, i, score, probability);
                break;
            }

            case ModelTask.Multiclass:
                _scores!(ref _scoreBuffer);
                Multiclass(scored, i, _scoreBuffer.GetValues());
                break;

            default:
            {
                float value = 0;
                _score!(ref value);
                scored.Scores[i] = Finite(value);
                break;
            }
        }
    }

    private static void Binary(ScoredRows scored, int i, float score, float probability)
    {
        Finite(score);
        Finite(probability);
        // The label follows the probability, so an answer never contradicts itself; metrics judge the same rule.
        scored.Labels[i] = probability > 0.5f ? 1 : 0;
        scored.Scores[i] = score;
        scored.Probabilities[2 * i] = 1.0 - probability;
        scored.Probabilities[(2 * i) + 1] = probability;
    }

    private static void Multiclass(ScoredRows scored, int i, ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            Finite(value);
        }

        var classes = scored.Classes;
        var probabilities = scored.Probabilities.AsSpan(i * classes, classes);
        var best = 0;
        for (var k = 0; k < classes; k++)
        {
            var p = k < values.Length ? values[k] : 0f;
            probabilities[k] = p;
            if (p > probabilities[best])
            {
                best = k;
            }
        }

        scored.Labels[i] = best;
        scored.Scores[i] = probabilities[best];
    }

    /// <summary>Row <paramref name="i"/> of <paramref name="scored"/> as a <see cref="Prediction"/>.</summary>
    private Prediction ToPrediction(ScoredRows scored, int i)
    {
        if (scored.Task == ModelTask.Regression)
        {
            return new Prediction(null, scored.Scores[i], null, null);
        }

        var classes = _model.Signature.Classes;
        var builder = ImmutableDictionary.CreateBuilder<string, double>();
        for (var k = 0; k < classes.Length; k++)
        {
            builder[classes[k]] = scored.Probabilities[(i * classes.Length) + k];
        }

        return new Prediction(_model.ClassValues[scored.Labels[i]], null, scored.Scores[i], builder.ToImmutable());
    }

    /// <summary>
    /// A score that is not a finite number comes from inputs far outside anything the model was trained on (a value near
    /// the float limit): that row's answer would mean nothing, so the request is refused with the reason.
    /// </summary>
    private static float Finite(float value) => float.IsFinite(value)
        ? value
        : throw new InvalidPredictionInputException(
            "A row's values are so far outside the range the model was trained on that its score is not a finite number. "
            + "Check the row's numbers (units, magnitudes) and send values in the range of the training data.");

    private static bool TryNumber(FeatureValue value, out float number)
    {
        switch (value.Kind)
        {
            case FeatureValueKind.Number or FeatureValueKind.Boolean:
                number = (float)value.Number;
                return true;
            case FeatureValueKind.String:
                var text = value.Text.AsSpan().Trim();
                return CellValues.TryParseNumber(text, out number) || CellValues.IsMissing(text);
            default:
                number = float.NaN;
                return true;
        }
    }

    private static bool TryBoolean(FeatureValue value, out float flag)
    {
        flag = float.NaN;
        switch (value.Kind)
        {
            case FeatureValueKind.Boolean:
                flag = (float)value.Number;
                return true;
            case FeatureValueKind.Number when value.Number is 0 or 1:
                flag = (float)value.Number;
                return true;
            case FeatureValueKind.String:
                var text = value.Text.AsSpan().Trim();
                if (CellValues.TryParseBoolWord(text, out var b))
                {
                    flag = b ? 1 : 0;
                    return true;
                }

                if (text is "1" or "0")
                {
                    flag = text[0] == '1' ? 1 : 0;
                    return true;
                }

                return CellValues.IsMissing(text);
            case FeatureValueKind.Missing:
                return true;
            default:
                return false;
        }
    }

    private static ReadOnlyMemory<char> Text(FeatureValue value) => value.Kind switch
    {
        FeatureValueKind.String when !CellValues.IsMissing(value.Text.AsSpan().Trim()) => value.Text.AsMemory().Trim(),
        FeatureValueKind.Number => CellValues.Format(value.Number).AsMemory(),
        FeatureValueKind.Boolean => (value.Number != 0 ? "true" : "false").AsMemory(),
        _ => ReadOnlyMemory<char>.Empty,
    };

    private static string Quote(FeatureValue value) =>
        value.Kind == FeatureValueKind.String ? $"'{NameList.Cut(value.Text ?? string.Empty)}'" : NameList.Cut(value.ToString());

    /// <summary>The first of <paramref name="columns"/> that binds input <paramref name="index"/>.</summary>
    private string FirstBinding(ReadOnlySpan<string> columns, int index)
    {
        foreach (var column in columns)
        {
            if (_model.Lookup.TryFind(column, out var other) && other == index)
            {
                return column;
            }
        }

        throw new UnreachableException($"No column binds input {index}.");
    }

    /// <summary>
    /// Two columns of a request that bind the same input: their names differ only in case, and a column matches an input
    /// whatever its case, so which value to score is not for the server to guess.
    /// </summary>
    private InvalidPredictionInputException NamedTwice(int index, string first, string second) =>
        new($"Invalid prediction row: column '{NameList.Cut(_model.Bindings[index].Name)}' is given twice, as "
            + $"'{NameList.Cut(first)}' and '{NameList.Cut(second)}' (a column matches the model's input whatever its case); send it once.");

    private string Problems(List<string>? missing, List<string>? unknown, List<string>? wrongTypes)
    {
        var parts = new List<string>();
        if (missing is not null)
        {
            parts.Add($"missing column{(missing.Count > 1 ? "s" : string.Empty)} {NameList.Quoted(missing)}");
        }

        if (unknown is not null)
        {
            parts.Add($"unknown column{(unknown.Count > 1 ? "s" : string.Empty)} {NameList.Quoted(unknown)}");
        }

        if (wrongTypes is not null)
        {
            parts.Add(NameList.Joined(wrongTypes));
        }

        var expected = string.Join(", ", _model.Bindings.Where(b => b.IsRequired).Select(b => b.Name));
        return string.Create(CultureInfo.InvariantCulture, $"Invalid prediction row: {string.Join("; ", parts)}; expected: {expected}.");
    }
}
