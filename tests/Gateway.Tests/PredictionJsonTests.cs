using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OrleansMl.Gateway.Api;

namespace OrleansMl.Gateway.Tests;

/// <summary>A prediction answer written from its arrays: the exact JSON clients read, for each kind of label.</summary>
public sealed class PredictionJsonTests
{
    [Fact]
    public void StringLabels_AreEscapedAsTheClassNames_InEveryRow()
    {
        var result = new BatchPrediction("m", 2, null, ModelTask.Binary, ["no", "<yes>"], ["no", "<yes>"],
            [1, 0, 1], [0.5, -1.25, 0.1], [0.25, 0.75, 0.875, 0.125, 0.4, 0.6], ["id1", "id2", "id3"]);

        Assert.Equal(
            """{"model":"m","version":2,"predictions":[""" +
            """{"predictionId":"id1","label":"\u003Cyes\u003E","score":0.5,"probabilities":{"no":0.25,"\u003Cyes\u003E":0.75}},""" +
            """{"predictionId":"id2","label":"no","score":-1.25,"probabilities":{"no":0.875,"\u003Cyes\u003E":0.125}},""" +
            """{"predictionId":"id3","label":"\u003Cyes\u003E","score":0.1,"probabilities":{"no":0.4,"\u003Cyes\u003E":0.6}}]}""",
            Rest(result));
    }

    [Fact]
    public void NumberAndBooleanLabels_KeepTheirKind()
    {
        var numbers = new BatchPrediction("m", 1, "production", ModelTask.Multiclass, ["0", "1.5", "2"],
            [FeatureValue.FromNumber(0), FeatureValue.FromNumber(1.5), FeatureValue.FromNumber(2)],
            [1, 2], [0.7, 0.9], [0.1, 0.7, 0.2, 0.05, 0.05, 0.9], ["a", "b"]);
        var booleans = new BatchPrediction("m", 1, null, ModelTask.Binary, ["False", "True"], [false, true],
            [0, 1], [-2, 3], [0.9, 0.1, 0.2, 0.8], []);

        Assert.Equal(
            """{"model":"m","version":1,"alias":"production","predictions":[""" +
            """{"predictionId":"a","label":1.5,"score":0.7,"probabilities":{"0":0.1,"1.5":0.7,"2":0.2}},""" +
            """{"predictionId":"b","label":2,"score":0.9,"probabilities":{"0":0.05,"1.5":0.05,"2":0.9}}]}""",
            Rest(numbers));
        Assert.Equal(
            """{"model":"m","version":1,"predictions":[""" +
            """{"label":false,"score":-2,"probabilities":{"False":0.9,"True":0.1}},""" +
            """{"label":true,"score":3,"probabilities":{"False":0.2,"True":0.8}}]}""",
            Rest(booleans));
    }

    [Fact]
    public void WithNulls_EveryMemberIsWritten_ForClassesAndValues()
    {
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
        var classes = new BatchPrediction("m", 3, null, ModelTask.Binary, ["n", "<y>"], ["n", "<y>"], [1], [1.5], [0.25, 0.75], []);
        var values = new BatchPrediction("m", 3, null, ModelTask.Regression, [], [], [], [42.25], [], ["r1"]);

        Assert.Equal(
            """{"model":"m","version":3,"alias":null,"predictions":[{"predictionId":null,"label":"<y>","value":null,"score":1.5,"probabilities":{"n":0.25,"<y>":0.75}}]}""",
            Write(classes, options, writeNulls: true));
        Assert.Equal(
            """{"model":"m","version":3,"alias":null,"predictions":[{"predictionId":"r1","label":null,"value":42.25,"score":null,"probabilities":null}]}""",
            Write(values, options, writeNulls: true));
        Assert.Equal("""{"model":"m","version":3,"predictions":[{"predictionId":"r1","value":42.25}]}""", Rest(values));
    }

    private static string Rest(BatchPrediction result)
    {
        var output = new ArrayBufferWriter<byte>();
        PredictionJson.Write(output, result);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static string Write(BatchPrediction result, JsonWriterOptions options, bool writeNulls)
    {
        var output = new ArrayBufferWriter<byte>();
        PredictionJson.Write(output, result, options, writeNulls);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
