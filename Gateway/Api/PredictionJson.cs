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

        // The class names are the probabilities' keys in every row: encoded once.
        var keys = new JsonEncodedText[regression ? 0 : classes.Length];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = JsonEncodedText.Encode(classes[k], options.Encoder);
        }

        for (var row = 0; row < result.Count; row++)
        {
            writer.WriteStartObject();
            if (!ids.IsDefaultOrEmpty)
            {
                writer.WriteString("predictionId"u8, ids[row]);
            }
            else if (writeNulls)
            {
                writer.WriteNull("predictionId"u8);
            }

            if (regression)
            {
                if (writeNulls)
                {
                    writer.WriteNull("label"u8);
                }

                writer.WriteNumber("value"u8, result.Scores[row]);
                if (writeNulls)
                {
                    writer.WriteNull("score"u8);
                    writer.WriteNull("probabilities"u8);
                }
            }
            else
            {
                writer.WritePropertyName("label"u8);
                WriteValue(writer, result.ClassValues[result.Labels[row]]);
                if (writeNulls)
                {
                    writer.WriteNull("value"u8);
                }

                writer.WriteNumber("score"u8, result.Scores[row]);
                writer.WriteStartObject("probabilities"u8);
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
