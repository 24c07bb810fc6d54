using System.Text;
using System.Text.Json;
using OrleansMl.Gateway.Api;

namespace OrleansMl.Gateway.Tests;

/// <summary>The predict body read straight into a batch: same answers and errors as the dictionary form it replaced.</summary>
public sealed class PredictionRowsReaderTests
{
    [Fact]
    public void UniformRows_ShareOneColumnList_WithEveryValueKind()
    {
        var batch = Read("""{"rows":[{"a":1.5,"b":"x","c":true,"d":null},{"a":-2e3,"b":"","c":false,"d":7}],"alias":"staging"}""");

        Assert.Equal<string>(["a", "b", "c", "d"], batch.Columns);
        Assert.Equal(2, batch.Rows);
        Assert.Empty(batch.Absent);
        Assert.Equal<FeatureValue>(
            [FeatureValue.FromNumber(1.5), "x", true, FeatureValue.Missing, FeatureValue.FromNumber(-2000), "", false, FeatureValue.FromNumber(7)],
            batch.Cells);
        Assert.Equal(((int?)null, "staging"), (batch.Version, batch.Alias));
        Assert.Equal((3, (string?)null), (Read("""{"version":3,"rows":[{"a":1}]}""").Version, (string?)null));
    }

    [Fact]
    public void RowsThatDiffer_GetTheUnionOfColumns_AndTheCellsEachLacks()
    {
        var batch = Read("""{"rows":[{"a":1,"b":2},{"b":3,"a":4},{"a":5},{"a":6,"c":"z"}]}""");

        Assert.Equal<string>(["a", "b", "c"], batch.Columns);
        Assert.Equal(new Dictionary<string, FeatureValue> { ["a"] = 4.0, ["b"] = 3.0 }, batch.Row(1));
        Assert.Equal(new Dictionary<string, FeatureValue> { ["a"] = 5.0 }, batch.Row(2));
        Assert.Equal(new Dictionary<string, FeatureValue> { ["a"] = 6.0, ["c"] = "z" }, batch.Row(3));
        Assert.False(batch.Has(0, 2));
        Assert.True(batch.Has(3, 2));
    }

    [Fact]
    public void ColumnNames_OfTheModelsLastRequest_AreReused()
    {
        var model = new Predictors.Entry("m", null!, null);

        var first = PredictionRowsReader.ReadBody("""{"rows":[{"x1":1,"x2":2}]}"""u8, model, 100);
        var second = PredictionRowsReader.ReadBody("""{"rows":[{"x1":3,"x2":4},{"x1":5,"x2":6}]}"""u8, model, 100);
        var other = PredictionRowsReader.ReadBody("""{"rows":[{"x1":3,"x3":4}]}"""u8, model, 100);

        Assert.Same(System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsArray(first.Columns), System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsArray(second.Columns));
        Assert.Equal<string>(["x1", "x3"], other.Columns);
        Assert.Equal<string>(["x1", "x3"], model.LastColumns!.Names);
    }

    [Fact]
    public void PropertyNames_MatchInAnyCase_AsInTheRestOfTheApi()
    {
        var batch = Read("""{"Rows":[{"a":1}],"VERSION":2,"Alias":null}""");

        Assert.Equal(1, batch.Rows);
        Assert.Equal(2, batch.Version);
        Assert.Null(batch.Alias);
    }

    [Fact]
    public void EscapedNames_AreTheirText()
    {
        var batch = Read("""{"r\u006fws":[{"caf\u00e9":1},{"café":2},{"caf\u00e9":3}]}""");

        Assert.Equal<string>(["café"], batch.Columns);
        Assert.Equal(3, batch.Rows);
        Assert.Empty(batch.Absent);
    }

    [Theory]
    [InlineData("""{"rows":[]}""", "at least one row")]
    [InlineData("""{"version":1}""", "rows is required")]
    [InlineData("""{"rows":null}""", "rows is required")]
    [InlineData("""{"rows":{"a":1}}""", "rows must be an array")]
    [InlineData("""{"rows":[{"a":1},null]}""", "rows[1] is null")]
    [InlineData("""{"rows":[{"a":1},[1]]}""", "rows[1] is a JSON array")]
    [InlineData("""{"rows":[{"a":{"b":1}}]}""", "rows[0]: column 'a' holds a JSON object")]
    [InlineData("""{"rows":[{"a":1},{"a":[1]}]}""", "rows[1]: column 'a' holds a JSON array")]
    [InlineData("""{"rows":[{"a":1e999}]}""", "rows[0]: column 'a' holds a number out of range")]
    [InlineData("""{"rows":[{"a":1,"b":2},{"a":3,"b":1e999}]}""", "rows[1]: column 'b' holds a number out of range")]
    [InlineData("""{"rows":[{"a":1,"b":2},{"a":3,"b":-1e39}]}""", "rows[1]: column 'b' holds -1E+39, outside the range of the 32-bit floats")]
    [InlineData("""{"rows":[{"a":1}],"version":1.5}""", "version must be a whole number")]
    [InlineData("""{"rows":[{"a":1}],"version":"1"}""", "version must be a whole number such as 2 (got a JSON string)")]
    [InlineData("""{"rows":[{"a":1}],"alias":7}""", "alias must be a string")]
    [InlineData("""[{"a":1}]""", "must be a JSON object")]
    [InlineData("", "body is empty")]
    [InlineData("""{"rows":[{"a":1,"b":2,"a":3}]}""", "rows[0] names column 'a' twice")]
    [InlineData("""{"rows":[{"a":1,"\u0061":3}]}""", "rows[0] names column 'a' twice")]
    [InlineData("""{"rows":[{"a":1,"b":2},{"a":1,"b":2,"a":3}]}""", "rows[1] names column 'a' twice")]
    [InlineData("""{"rows":[{"a":1},{"b":2,"b":3}]}""", "rows[1] names column 'b' twice")]
    [InlineData("""{"rows":[{"a":1}],"comment":{"any":[1,2]}}""", "Unknown field 'comment' in the request body; its fields are: rows, version, alias, features.")]
    [InlineData("""{"rows":[{"a":1}],"version":1,"VERSION":2}""", "The request body names 'VERSION' twice")]
    [InlineData("""{"rows":[{"a":1}],"rows":[{"a":2}]}""", "The request body names 'rows' twice")]
    public void BadBodies_AreClearErrors(string json, string expected)
    {
        var error = Assert.Throws<InvalidPredictionInputException>(() => Read(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"rows":[{"a":1}],"alias":""}""", "Invalid alias name ''")]
    [InlineData("""{"rows":[{"a":1}],"alias":"../x"}""", "Invalid alias name '../x'")]
    public void AMalformedAliasName_IsAnInvalidName_AsInAPath(string json, string expected)
    {
        var error = Assert.Throws<InvalidNameException>(() => Read(json));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedJson_IsAJsonError()
    {
        Assert.ThrowsAny<JsonException>(() => Read("""{"rows":[{"a":1,}]}"""));
        Assert.ThrowsAny<JsonException>(() => Read("""{"rows":[{"a":1}"""));
        Assert.ThrowsAny<JsonException>(() => Read("""{"rows":[{"a":1}]} xyz"""));
        Assert.ThrowsAny<JsonException>(() => Read("""{"rows":[{"a":1}]}{"rows":[{"a":2}]}"""));
    }

    [Fact]
    public void ARepeatedColumn_IsFound_WhenTheModelsLastColumnsStartTheRow()
    {
        var model = new Predictors.Entry("m", null!, null);
        PredictionRowsReader.ReadBody("""{"rows":[{"x1":1,"x2":2}]}"""u8, model, 100);

        var error = Assert.Throws<InvalidPredictionInputException>(() => PredictionRowsReader.ReadBody("""{"rows":[{"x1":1,"x2":2,"x1":3}]}"""u8, model, 100));

        Assert.Contains("rows[0] names column 'x1' twice", error.Message, StringComparison.Ordinal);
        Assert.Equal<string>(["x1", "x2"], model.LastColumns!.Names);
    }

    [Fact]
    public void RowsAboveTheLimit_AreRefusedAsTooLarge_WithTheirCount()
    {
        var json = "{\"rows\":[" + string.Join(",", Enumerable.Repeat("{\"a\":1}", 12)) + "]}";

        var error = Assert.Throws<PayloadTooLargeException>(() => PredictionRowsReader.ReadBody(Encoding.UTF8.GetBytes(json), null, 10));

        Assert.Contains("at most 10 rows (got 12)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void McpRows_AreReadFromTheArgumentsJson()
    {
        using var document = JsonDocument.Parse("""{"rows":[{"a":1,"b":"x"},{"b":"y"}]}""");

        var batch = PredictionRowsReader.ReadRows(document.RootElement.GetProperty("rows"), null, 100, null, "production");

        Assert.Equal<string>(["a", "b"], batch.Columns);
        Assert.False(batch.Has(1, 0));
        Assert.Equal(((int?)null, "production"), (batch.Version, batch.Alias));
    }

    private static PredictionBatch Read(string json) => PredictionRowsReader.ReadBody(Encoding.UTF8.GetBytes(json), null, 10_000);
}
