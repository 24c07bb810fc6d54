using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// Writes a <see cref="BatchPrediction"/> as the JSON of a <see cref="PredictionResult"/>
/// (<c>{model, version, alias, predictions: [{predictionId, label, score, probabilities} or {predictionId, value}]}</c>) straight from its arrays,
/// without an object or a dictionary per row.
/// </summary>
public static class PredictionJson
{
    private static readonly JsonWriterOptions RestOptions = new() { Encoder = JavaScriptEncoder.Default, SkipValidation = true };

    // Member names written once per row: encoded once (plain ASCII, the same under every encoder).
    private static readonly JsonEncodedText PredictionIdName = JsonEncodedText.Encode("predictionId");
    private static readonly JsonEncodedText LabelName = JsonEncodedText.Encode("label");
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText ScoreName = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText ProbabilitiesName = JsonEncodedText.Encode("probabilities");

    /// <summary>The REST shape: null members left out.</summary>
    public static void Write(IBufferWriter<byte> output, BatchPrediction result) => Write(output, result, RestOptions, writeNulls: false);

    /// <summary>Writes <paramref name="result"/>; with <paramref name="writeNulls"/>, members without a value are written as null.</summary>
    public static void Write(IBufferWriter<byte> output, BatchPrediction result, JsonWriterOptions options, bool writeNulls)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var writer = new Utf8JsonWriter(output, options);
        writer.WriteStartObject();
        writer.WriteString("model"u8, result.Model);
        writer.WriteNumber("version"u8, result.Version);
        if (result.Alias is not null)
        {
            writer.WriteString("alias"u8, result.Alias);
        }
        else if (writeNulls)
        {
            writer.WriteNull("alias"u8);
        }

        writer.WriteStartArray("predictions"u8);
        var regression = result.Task == ModelTask.Regression;
        var classes = result.Classes.AsSpan();
        var probabilities = result.Probabilities.AsSpan();
        var ids = result.PredictionIds;

        // The class names are the probabilities' keys in every row, and the class values its labels: each encoded once.
        var keys = new JsonEncodedText[regression ? 0 : classes.Length];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = JsonEncodedText.Encode(classes[k], options.Encoder);
        }

        byte[][] labels = regression ? [] : EncodeValues(result.ClassValues.AsSpan(), options);

        for (var row = 0; row < result.Count; row++)
        {
            writer.WriteStartObject();
            if (!ids.IsDefaultOrEmpty)
            {
                writer.WriteString(PredictionIdName, ids[row]);
            }
            else if (writeNulls)
            {
                writer.WriteNull(PredictionIdName);
            }

            if (regression)
            {
                if (writeNulls)
                {
                    writer.WriteNull(LabelName);
                }

                writer.WriteNumber(ValueName, result.Scores[row]);
                if (writeNulls)
                {
                    writer.WriteNull(ScoreName);
                    writer.WriteNull(ProbabilitiesName);
                }
            }
            else
            {
                writer.WritePropertyName(LabelName);
                writer.WriteRawValue(labels[result.Labels[row]], skipInputValidation: true);
                if (writeNulls)
                {
                    writer.WriteNull(ValueName);
                }

                writer.WriteNumber(ScoreName, result.Scores[row]);
                writer.WriteStartObject(ProbabilitiesName);
                var offset = row * classes.Length;
                for (var k = 0; k < classes.Length; k++)
                {
                    writer.WriteNumber(keys[k], probabilities[offset + k]);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Each value's JSON as <see cref="WriteValue"/> writes it with <paramref name="options"/>.</summary>
    private static byte[][] EncodeValues(ReadOnlySpan<FeatureValue> values, JsonWriterOptions options)
    {
        var encoded = new byte[values.Length][];
        var buffer = new ArrayBufferWriter<byte>(32);
        using var writer = new Utf8JsonWriter(buffer, options with { Indented = false });
        for (var k = 0; k < values.Length; k++)
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            WriteValue(writer, values[k]);
            writer.Flush();
            encoded[k] = buffer.WrittenSpan.ToArray();
        }

        return encoded;
    }

    /// <summary>A label or cell as its natural JSON (number, boolean, string or null).</summary>
    public static void WriteValue(Utf8JsonWriter writer, FeatureValue value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (value.Kind)
        {
            case FeatureValueKind.Number:
                writer.WriteNumberValue(value.Number);
                break;
            case FeatureValueKind.Boolean:
                writer.WriteBooleanValue(value.Number != 0);
                break;
            case FeatureValueKind.String:
                writer.WriteStringValue(value.Text);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
