using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace OrleansMl.Ml;

/// <summary>Scores one row at a time with no compile-time types. Not thread-safe: one per thread or activation.</summary>
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

        // The first call through a mapper pays for lazy initialization; pay it here rather than on a request.
        Array.Fill(_input.Numbers, float.NaN);
        Score();
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

        return Score();
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

    private Prediction Score()
    {
        _input.Advance();
        var classes = _model.Signature.Classes;
        switch (_model.Signature.Task)
        {
            case ModelTask.Binary:
            {
                float score = 0;
                float probability = 0;
                _score!(ref score);
                _probability!(ref probability);

                // The label follows the probability, so an answer never contradicts itself; metrics judge the same rule.
                var positive = probability > 0.5f;
                var probabilities = ImmutableDictionary<string, double>.Empty
                    .SetItem(classes[1], probability)
                    .SetItem(classes[0], 1.0 - probability);
                return new Prediction(_model.ClassValues[positive ? 1 : 0], null, score, probabilities);
            }

            case ModelTask.Multiclass:
            {
                _scores!(ref _scoreBuffer);
                var values = _scoreBuffer.GetValues();
                var builder = ImmutableDictionary.CreateBuilder<string, double>();
                var best = 0;
                for (var i = 0; i < classes.Length; i++)
                {
                    var p = i < values.Length ? values[i] : 0f;
                    builder[classes[i]] = p;
                    if (p > values[best])
                    {
                        best = i;
                    }
                }

                return new Prediction(_model.ClassValues[best], null, values[best], builder.ToImmutable());
            }

            default:
            {
                float value = 0;
                _score!(ref value);
                return new Prediction(null, value, null, null);
            }
        }
    }

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
        value.Kind == FeatureValueKind.String ? $"'{value.Text}'" : value.ToString();

    private string Problems(List<string>? missing, List<string>? unknown, List<string>? wrongTypes)
    {
        var parts = new List<string>();
        if (missing is not null)
        {
            parts.Add($"missing column{(missing.Count > 1 ? "s" : string.Empty)} {string.Join(", ", missing.Select(m => $"'{m}'"))}");
        }

        if (unknown is not null)
        {
            parts.Add($"unknown column{(unknown.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unknown.Select(u => $"'{u}'"))}");
        }

        if (wrongTypes is not null)
        {
            parts.AddRange(wrongTypes);
        }

        var expected = string.Join(", ", _model.Bindings.Where(b => b.IsRequired).Select(b => b.Name));
        return string.Create(CultureInfo.InvariantCulture, $"Invalid prediction row: {string.Join("; ", parts)}; expected: {expected}.");
    }
}
