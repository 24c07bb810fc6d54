using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using OrleansMl.Ml;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// The Open Inference Protocol's infer body read straight into a <see cref="PredictionBatch"/> (each tensor's data into
/// its column of cells, no document in between), and the answer's output tensors written from the answer's arrays.
/// </summary>
public static class InferenceJson
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.Default, SkipValidation = true };
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>What an infer request asks: its id, the rows, and the outputs it wants (null: all).</summary>
    public sealed record Request(string? Id, PredictionBatch Batch, IReadOnlyList<string>? Outputs);

    /// <summary>
    /// Reads <c>{"id"?, "inputs": [{"name", "shape", "datatype", "data"}], "outputs"?: [{"name"}]}</c> (property names in any
    /// case, each at most once; others, such as the protocol's <c>parameters</c>, ignored). Throws <see cref="JsonException"/> for malformed JSON and
    /// <see cref="InvalidPredictionInputException"/> naming the tensor for anything else.
    /// </summary>
    public static Request Read(ReadOnlySpan<byte> json)
    {
        try
        {
            return ReadRequest(json);
        }
        catch (Exception error) when (JsonText.IsInvalidText(error))
        {
            throw new InvalidPredictionInputException(JsonText.Describe(json));
        }
    }

    private static Request ReadRequest(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        if (json.Trim(" \t\r\n"u8).IsEmpty || !reader.Read())
        {
            throw new InvalidPredictionInputException("The request body is empty: send {\"inputs\": [...]}.");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new InvalidPredictionInputException("The request body must be a JSON object: {\"inputs\": [...]}.");
        }

        string? id = null;
        List<(string? Name, long[]? Shape, string? Datatype, int Data)>? inputs = null;
        List<string>? outputs = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (PredictionRowsReader.Named(ref reader, "id"u8))
            {
                Once(ref seen, 1, "id");
                reader.Read();
                id = reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Null => null,
                    _ => throw new InvalidPredictionInputException("id must be a string."),
                };
            }
            else if (PredictionRowsReader.Named(ref reader, "inputs"u8))
            {
                Once(ref seen, 2, "inputs");
                reader.Read();
                inputs = reader.TokenType == JsonTokenType.Null ? null : ReadInputs(ref reader);
            }
            else if (PredictionRowsReader.Named(ref reader, "outputs"u8))
            {
                Once(ref seen, 4, "outputs");
                reader.Read();
                outputs = reader.TokenType == JsonTokenType.Null ? null : ReadOutputs(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Text after the object (a second value, stray characters) is malformed JSON, which the reader reports when asked
        // for more; at the end of the text it answers false.
        if (reader.Read())
        {
            throw new JsonException("The request body holds more than one JSON value.");
        }

        if (inputs is not { Count: > 0 })
        {
            throw new InvalidPredictionInputException("inputs is required: send one tensor per column, e.g. {\"name\": \"age\", \"shape\": [2], \"datatype\": \"FP32\", \"data\": [31, 45]}.");
        }

        var names = new string[inputs.Count];
        var columns = new FeatureValue[inputs.Count][];
        for (var c = 0; c < inputs.Count; c++)
        {
            var (name, shape, datatype, data) = inputs[c];
            names[c] = string.IsNullOrEmpty(name)
                ? throw new InvalidPredictionInputException($"inputs[{c}] has no name: name each tensor after the column it holds.")
                : name;
            if (names.AsSpan(0, c).Contains(name))
            {
                throw new InvalidPredictionInputException($"Input '{name}' is sent twice: send one tensor per column.");
            }

            columns[c] = Column(json, name, shape, datatype, data);
            if (columns[c].Length != columns[0].Length)
            {
                throw new InvalidPredictionInputException(
                    $"Input '{name}' holds {columns[c].Length} values but '{names[0]}' holds {columns[0].Length}: every column tensor needs one value per row.");
            }
        }

        var count = columns[0].Length;
        if (count == 0)
        {
            throw new InvalidPredictionInputException("The input tensors hold no rows: send at least one value per column.");
        }

        // Columns in, rows of cells out: the batch holds row after row.
        var cells = new FeatureValue[count * names.Length];
        for (var c = 0; c < names.Length; c++)
        {
            var column = columns[c];
            for (var r = 0; r < count; r++)
            {
                cells[(r * names.Length) + c] = column[r];
            }
        }

        return new Request(id, new PredictionBatch([.. names], count, System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(cells), []), outputs);
    }

    /// <summary>The output tensors: label, probabilities [rows, classes] and score for classifiers, value for regression.</summary>
    public static IReadOnlyList<string> OutputNames(BatchPrediction result) =>
        result.Task == ModelTask.Regression ? ["value"] : ["label", "probabilities", "score"];

    /// <summary>
    /// Writes the infer answer: <c>{"model_name", "model_version", "id", "parameters": {"version", "predictionIds"}, "outputs": [...]}</c>, the outputs in
    /// <paramref name="outputs"/> (already checked to be this model's).
    /// </summary>
    public static void Write(IBufferWriter<byte> output, BatchPrediction result, string? id, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(outputs);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("model_name"u8, result.Model);
        writer.WriteString("model_version"u8, result.Version.ToString(CultureInfo.InvariantCulture));
        if (id is not null)
        {
            writer.WriteString("id"u8, id);
        }

        // The protocol has no field for per-row ids: they travel in the response's parameters, with the version.
        writer.WriteStartObject("parameters"u8);
        writer.WriteNumber("version"u8, result.Version);
        if (!result.PredictionIds.IsDefaultOrEmpty)
        {
            writer.WriteStartArray("predictionIds"u8);
            foreach (var predictionId in result.PredictionIds)
            {
                writer.WriteStringValue(predictionId);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteStartArray("outputs"u8);
        var count = result.Count;
        foreach (var name in OutputNames(result).Where(outputs.Contains))
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, name);
            switch (name)
            {
                case "value" or "score":
                    Header(writer, "FP64", count);
                    foreach (var value in result.Scores)
                    {
                        writer.WriteNumberValue(value);
                    }

                    writer.WriteEndArray();
                    break;
                case "label":
                    var kind = result.ClassValues.IsDefaultOrEmpty ? FeatureValueKind.String : result.ClassValues[0].Kind;
                    Header(writer, kind switch { FeatureValueKind.Number => "FP64", FeatureValueKind.Boolean => "BOOL", _ => "BYTES" }, count);
                    foreach (var label in result.Labels)
                    {
                        var value = result.ClassValues[label];
                        switch (kind)
                        {
                            case FeatureValueKind.Number:
                                writer.WriteNumberValue(value.Number);
                                break;
                            case FeatureValueKind.Boolean:
                                writer.WriteBooleanValue(value.Number == 1);
                                break;
                            default:
                                writer.WriteStringValue(value.Text ?? string.Empty);
                                break;
                        }
                    }

                    writer.WriteEndArray();
                    break;
                default:
                    // Class probabilities in ordinal order of the class names, which the tensor's "classes" parameter lists.
                    var classes = result.Classes.Length;
                    var order = Enumerable.Range(0, classes).OrderBy(k => result.Classes[k], StringComparer.Ordinal).ToArray();
                    Header(writer, "FP64", count, classes);
                    for (var r = 0; r < count; r++)
                    {
                        foreach (var k in order)
                        {
                            writer.WriteNumberValue(result.Probabilities[(r * classes) + k]);
                        }
                    }

                    writer.WriteEndArray();
                    writer.WriteStartObject("parameters"u8);
                    writer.WriteString("classes"u8, JsonSerializer.Serialize(order.Select(k => result.Classes[k]), Web));
                    writer.WriteEndObject();
                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Header(Utf8JsonWriter writer, string datatype, int rows, int? width = null)
    {
        writer.WriteString("datatype"u8, datatype);
        writer.WriteStartArray("shape"u8);
        writer.WriteNumberValue(rows);
        if (width is { } w)
        {
            writer.WriteNumberValue(w);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("data"u8);
    }

    private static List<(string? Name, long[]? Shape, string? Datatype, int Data)> ReadInputs(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidPredictionInputException("inputs must be an array of tensors, one per column.");
        }

        var inputs = new List<(string?, long[]?, string?, int)>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidPredictionInputException($"inputs[{inputs.Count}] must be a tensor object: {{\"name\", \"shape\", \"datatype\", \"data\"}}.");
            }

            string? name = null;
            long[]? shape = null;
            string? datatype = null;
            var data = -1;
            var seen = 0;
            var index = inputs.Count;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (PredictionRowsReader.Named(ref reader, "name"u8))
                {
                    Once(ref seen, 1, "name", index);
                    reader.Read();
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (PredictionRowsReader.Named(ref reader, "datatype"u8))
                {
                    Once(ref seen, 2, "datatype", index);
                    reader.Read();
                    datatype = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (PredictionRowsReader.Named(ref reader, "shape"u8))
                {
                    Once(ref seen, 4, "shape", index);
                    reader.Read();
                    shape = ReadShape(ref reader, name);
                }
                else if (PredictionRowsReader.Named(ref reader, "data"u8))
                {
                    // Read once the datatype is known, which may come after the data.
                    Once(ref seen, 8, "data", index);
                    reader.Read();
                    data = reader.TokenType == JsonTokenType.StartArray ? (int)reader.TokenStartIndex : -1;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            inputs.Add((name, shape, datatype, data));
        }

        return inputs;
    }

    /// <summary>
    /// Marks a field of an object as read; a field named twice is refused rather than read with its last value (names
    /// match in any case, as they are read).
    /// </summary>
    private static void Once(ref int seen, int field, string name, int? tensor = null)
    {
        if ((seen & field) != 0)
        {
            throw new InvalidPredictionInputException($"{(tensor is { } t ? $"inputs[{t}]" : "The request")} names '{name}' twice; send each field once.");
        }

        seen |= field;
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, string? name)
    {
        var shape = new List<long>();
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                shape.Add(reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var d) ? d
                    : throw new InvalidPredictionInputException($"Input '{name}' has a shape that is not a list of whole numbers."));
            }
        }
        else if (reader.TokenType != JsonTokenType.Null)
        {
            throw new InvalidPredictionInputException($"Input '{name}' has a shape that is not a list of whole numbers.");
        }

        return [.. shape];
    }

    private static List<string> ReadOutputs(ref Utf8JsonReader reader)
    {
        var outputs = new List<string>();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new InvalidPredictionInputException("outputs must be an array of {\"name\": ...}.");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidPredictionInputException("outputs must be an array of {\"name\": ...}.");
            }

            string? name = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isName = PredictionRowsReader.Named(ref reader, "name"u8);
                reader.Read();
                if (isName && reader.TokenType == JsonTokenType.String)
                {
                    name = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            outputs.Add(name ?? throw new InvalidPredictionInputException("Each requested output needs a name."));
        }

        return outputs;
    }

    /// <summary>
    /// One tensor's values: shape [n] or [n, 1], data flat or nested no deeper than the shape, each value one its declared
    /// datatype can hold (an INT8 of 300 or a UINT8 of -1 is refused, not passed on as a number the client never meant).
    /// </summary>
    private static FeatureValue[] Column(ReadOnlySpan<byte> json, string name, long[]? shape, string? declared, int data)
    {
        var datatype = declared?.ToUpperInvariant();
        var kind = datatype switch
        {
            "BOOL" => FeatureValueKind.Boolean,
            "BYTES" => FeatureValueKind.String,
            "FP16" or "FP32" or "FP64" or "INT8" or "INT16" or "INT32" or "INT64" or "UINT8" or "UINT16" or "UINT32" or "UINT64" => FeatureValueKind.Number,
            null or "" => throw new InvalidPredictionInputException($"Input '{name}' has no datatype: use FP32, FP64, INT64, BOOL or BYTES."),
            _ => throw new InvalidPredictionInputException($"Input '{name}' has datatype '{declared}', which is not one of FP16, FP32, FP64, INT8-64, UINT8-64, BOOL, BYTES."),
        };
        if (shape is not { Length: 1 or 2 } || shape.Any(d => d < 0) || (shape.Length == 2 && shape[1] != 1))
        {
            throw new InvalidPredictionInputException(
                $"Input '{name}' has shape [{string.Join(", ", shape ?? [])}]: a column tensor has shape [rows] or [rows, 1].");
        }

        if (data < 0)
        {
            throw new InvalidPredictionInputException($"Input '{name}' has no data array.");
        }

        var tensor = new Tensor(name, datatype!, kind, NumberLimits.Of(datatype!), shape);
        var values = new FeatureValueBuffer((int)Math.Min(shape[0], 1 << 16));
        var reader = new Utf8JsonReader(json[data..], ReaderOptions);
        reader.Read();
        Flatten(ref reader, ref values, in tensor, depth: 1);
        if (values.Count != shape[0])
        {
            throw new InvalidPredictionInputException($"Input '{name}' declares shape [{string.Join(", ", shape)}] but holds {values.Count} values.");
        }

        return values.ToArray();
    }

    /// <summary>
    /// The values of the array the reader is on (at <paramref name="depth"/>, the data array being 1): nested arrays are
    /// flattened where the shape has a dimension for them ([rows, 1]: [[a], [b]]), each holding one row's values.
    /// </summary>
    private static void Flatten(ref Utf8JsonReader reader, ref FeatureValueBuffer values, in Tensor tensor, int depth)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (tensor.Kind, reader.TokenType)
            {
                case (_, JsonTokenType.StartArray):
                    if (depth == tensor.Shape.Length)
                    {
                        throw new InvalidPredictionInputException(
                            $"Input '{tensor.Name}' nests its data deeper than its shape [{string.Join(", ", tensor.Shape)}] at index {values.Count}: "
                            + (tensor.Shape.Length == 1 ? "send the values flat, [v1, v2, ...]." : "send [[v1], [v2], ...] or the values flat."));
                    }

                    var before = values.Count;
                    Flatten(ref reader, ref values, in tensor, depth + 1);
                    if (values.Count - before != tensor.Shape[depth])
                    {
                        throw new InvalidPredictionInputException(
                            $"Input '{tensor.Name}' has an inner array of {values.Count - before} values at index {before}; its shape [{string.Join(", ", tensor.Shape)}] has {tensor.Shape[depth]} per row.");
                    }

                    break;
                case (_, JsonTokenType.Null):
                    values.Add(FeatureValue.Missing);
                    break;
                case (FeatureValueKind.Number, JsonTokenType.Number)
                    when PredictionRowsReader.Number(ref reader, out var value) && RequestMapping.InFloatRange(value) && tensor.Limits.Hold(value):
                    // The message's text is built only for a number out of range: a tensor holds many thousands of values.
                    values.Add(FeatureValue.FromNumber(value));
                    break;
                case (FeatureValueKind.Number, JsonTokenType.Number):
                    values.Add(FeatureValue.FromNumber(OutOfRange(ref reader, in tensor, values.Count)));
                    break;
                case (FeatureValueKind.Boolean, JsonTokenType.True or JsonTokenType.False):
                    values.Add(FeatureValue.FromBoolean(reader.TokenType == JsonTokenType.True));
                    break;
                case (FeatureValueKind.String, JsonTokenType.String):
                    values.Add(FeatureValue.FromString(reader.GetString()));
                    break;
                default:
                    throw new InvalidPredictionInputException(
                        $"Input '{tensor.Name}' ({tensor.Datatype}) holds a JSON {Kind(reader.TokenType)} at index {values.Count}; "
                        + $"{tensor.Datatype} data are {(tensor.Kind == FeatureValueKind.Number ? "numbers" : tensor.Kind == FeatureValueKind.Boolean ? "true or false" : "strings")}.");
            }
        }
    }

    /// <summary>
    /// The number the reader is on when the quick check refused it: a 400 saying which limit it passes (its datatype's, or
    /// the 32-bit floats models compute in), or the number itself when only that check's doubles could not tell (a 64-bit
    /// integer next to its type's bound).
    /// </summary>
    private static double OutOfRange(ref Utf8JsonReader reader, in Tensor tensor, int index)
    {
        if (!PredictionRowsReader.Number(ref reader, out var number))
        {
            throw new InvalidPredictionInputException($"Input '{tensor.Name}' ({tensor.Datatype}) holds a number out of range at index {index}.");
        }

        if (!tensor.Limits.Hold(number) && !tensor.Limits.HoldExactly(ref reader))
        {
            throw new InvalidPredictionInputException(
                $"Input '{tensor.Name}' ({tensor.Datatype}) holds {System.Text.Encoding.UTF8.GetString(reader.ValueSpan)} at index {index}, "
                + $"which {tensor.Datatype} cannot hold: {tensor.Datatype} data are {tensor.Limits.Words}.");
        }

        return RequestMapping.FloatRange(number, tensor.Name, $"Input '{tensor.Name}' index {index}");
    }

    /// <summary>A column tensor as its data are read: its name, datatype, the kind and limits of its values, and its shape.</summary>
    private readonly record struct Tensor(string Name, string Datatype, FeatureValueKind Kind, NumberLimits Limits, long[] Shape);

    /// <summary>The numbers a numeric datatype holds; FP32 and FP64 are bounded by the 32-bit floats models compute in, checked apart.</summary>
    private sealed record NumberLimits(double Min, double Max, bool Whole, string Words, string? Exact = null)
    {
        private static readonly NumberLimits Any = new(double.NegativeInfinity, double.PositiveInfinity, false, "numbers");

        private static readonly NumberLimits Fp16 = new(-65504, 65504, false, "numbers from -65504 to 65504");
        private static readonly NumberLimits Int8 = Integers(sbyte.MinValue, sbyte.MaxValue);
        private static readonly NumberLimits Int16 = Integers(short.MinValue, short.MaxValue);
        private static readonly NumberLimits Int32 = Integers(int.MinValue, int.MaxValue);
        private static readonly NumberLimits UInt8 = Integers(0, byte.MaxValue);
        private static readonly NumberLimits UInt16 = Integers(0, ushort.MaxValue);
        private static readonly NumberLimits UInt32 = Integers(0, uint.MaxValue);

        // A double cannot tell the 64-bit bounds from their neighbours: the quick check takes the doubles strictly inside
        // them, and a whole number at or past them is read exactly before it is refused.
        private static readonly NumberLimits Int64 = new(-9223372036854774784d, 9223372036854774784d, true, $"whole numbers from {long.MinValue} to {long.MaxValue}", "INT64");
        private static readonly NumberLimits UInt64 = new(0, 18446744073709549568d, true, $"whole numbers from 0 to {ulong.MaxValue}", "UINT64");

        public static NumberLimits Of(string datatype) => datatype switch
        {
            "FP16" => Fp16,
            "INT8" => Int8,
            "INT16" => Int16,
            "INT32" => Int32,
            "INT64" => Int64,
            "UINT8" => UInt8,
            "UINT16" => UInt16,
            "UINT32" => UInt32,
            "UINT64" => UInt64,
            _ => Any,
        };

        public bool Hold(double value) => value >= Min && value <= Max && (!Whole || double.IsInteger(value));

        public bool HoldExactly(ref Utf8JsonReader reader) => Exact switch
        {
            "INT64" => reader.TryGetInt64(out _),
            "UINT64" => reader.TryGetUInt64(out _),
            _ => false,
        };

        private static NumberLimits Integers(long min, long max) =>
            new(min, max, true, string.Create(CultureInfo.InvariantCulture, $"whole numbers from {min} to {max}"));
    }

    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "object",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        _ => token.ToString().ToLowerInvariant(),
    };
}
