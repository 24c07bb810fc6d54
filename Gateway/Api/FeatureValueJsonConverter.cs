using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansMl.Gateway.Api;

/// <summary>Writes a <see cref="FeatureValue"/> as its natural JSON (number, boolean, string or null) and reads it back.</summary>
public sealed class FeatureValueJsonConverter : JsonConverter<FeatureValue>
{
    public override bool HandleNull => true;

    public override FeatureValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => FeatureValue.FromNumber(reader.GetDouble()),
        JsonTokenType.True => FeatureValue.FromBoolean(true),
        JsonTokenType.False => FeatureValue.FromBoolean(false),
        JsonTokenType.String => FeatureValue.FromString(reader.GetString()),
        JsonTokenType.Null => FeatureValue.Missing,
        _ => throw new JsonException("A value must be a number, a string, a boolean or null."),
    };

    public override void Write(Utf8JsonWriter writer, FeatureValue value, JsonSerializerOptions options) =>
        PredictionJson.WriteValue(writer, value);
}
