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

    /// <summary>Rows of a large body in the shapes clients send, for the parts tests: about 60 bytes a row.</summary>
    public static TheoryData<string, string> LargeBodies => new()
    {
        { "numbers", Body(6000, i => $$"""{"a":{{i}},"b":{{i * 0.37 - 900}},"c":{{-i}}e-3,"d":{{i % 7}},"e":1.5E2}""") },
        { "every kind of cell", Body(6000, i => $$"""{"a":{{i}},"s":"r{{i}}\u00e9\"","t":{{(i % 2 == 0 ? "true" : "false")}},"n":null}""") },
        { "white space between and inside rows", Body(9000, i => $"\r\n  {{ \"a\" : {i} ,\t\"b\":\n[X] }}".Replace("[X]", "2", StringComparison.Ordinal), separator: " ,\n ") },
        { "fields after the rows", Body(15000, i => $$"""{"a":{{i}},"b":{{i * 2}}}""", after: ""","version":3,"ALIAS":null""") },
    };

    [Theory]
    [MemberData(nameof(LargeBodies))]
    public void LargeBodies_AreReadInParts_IntoTheBatchOfOnePass(string shape, string json)
    {
        Assert.True(json.Length > 4 * PredictionRowsReader.MinPartBytes, "a body of four parts at least");
        var (one, _) = ReadIn(json, 1);
        Assert.Null(one.Error);

        foreach (var parts in new[] { 2, 3, 4 })
        {
            var (read, used) = ReadIn(json, parts);

            Assert.True(one == read, $"{shape}, {parts} parts: {read}");
            Assert.Equal(parts, used);
        }
    }

    /// <summary>
    /// Bodies whose parts cannot hold: each must give exactly what one pass gives (the batch, or the error naming the
    /// row), the rows then read in one pass.
    /// </summary>
    public static TheoryData<string, string, int> BodiesPartsCannotRead => new()
    {
        // Every row holds the text of a row boundary inside a string, so the cuts land in strings.
        { "boundaries inside strings", Body(20000, i => $$"""{"a":{{i}},"s":"x},{y} , {z"}"""), 100_000 },
        { "a row naming other columns near the end", Body(20000, i => i == 19900 ? """{"a":1,"c":2}""" : $$"""{"a":{{i}},"b":1}"""), 100_000 },
        { "columns in another order near the end", Body(20000, i => i == 19990 ? """{"b":1,"a":2}""" : $$"""{"a":{{i}},"b":1}"""), 100_000 },
        { "a value that is not a cell near the end", Body(20000, i => i == 17000 ? """{"a":[1],"b":1}""" : $$"""{"a":{{i}},"b":1}"""), 100_000 },
        { "a number out of range near the end", Body(20000, i => i == 15555 ? """{"a":1e39,"b":1}""" : $$"""{"a":{{i}},"b":1}"""), 100_000 },
        { "a null row near the end", Body(20000, i => i == 19999 ? "null" : $$"""{"a":{{i}},"b":1}"""), 100_000 },
        { "a column named twice near the end", Body(20000, i => i == 14444 ? """{"a":1,"b":1,"a":2}""" : $$"""{"a":{{i}},"b":1}"""), 100_000 },
        { "more rows than allowed", Body(20000, i => $$"""{"a":{{i}},"b":1}"""), 5999 },
        { "a missing comma near the end", Body(20000, i => $$"""{"a":{{i}},"b":1}""").Replace("},{\"a\":19998,", "}{\"a\":19998,", StringComparison.Ordinal), 100_000 },
        { "a trailing comma", Body(20000, i => $$"""{"a":{{i}},"b":1}""").Replace("}]", "},]", StringComparison.Ordinal), 100_000 },
        { "a string that is not text near the end", Body(20000, i => i == 18000 ? """{"a":1,"b":"\uD800"}""" : $$"""{"a":{{i}},"b":"x"}"""), 100_000 },
        { "no row ending after the first part's share", Body(2, i => i == 0 ? """{"a":"x"}""" : "{\"a\":\"" + new string('x', 300_000) + "\"}"), 100_000 },
        { "a second value after the body", Body(20000, i => $$"""{"a":{{i}},"b":1}""") + "{}", 100_000 },
    };

    [Theory]
    [MemberData(nameof(BodiesPartsCannotRead))]
    public void LargeBodiesThePartsCannotRead_GiveWhatOnePassGives(string shape, string json, int maxRows)
    {
        Assert.True(json.Length > 4 * PredictionRowsReader.MinPartBytes, "a body of four parts at least");
        var (one, _) = ReadIn(json, 1, maxRows);

        foreach (var parts in new[] { 2, 4 })
        {
            var (read, used) = ReadIn(json, parts, maxRows);

            Assert.True(one == read, $"{shape}, {parts} parts: {read} against one pass's {one}");
            Assert.Equal(0, used);
        }
    }

    [Fact]
    public void ABodyUnderTwoParts_IsReadInOnePass()
    {
        var json = Body(1000, i => $$"""{"a":{{i}}}""");

        var (read, used) = ReadIn(json, 4);

        Assert.Equal(1000, read.Rows);
        Assert.Equal(0, used);
    }

    /// <summary>What reading a body gives, comparable by value: the batch's content, or the error's type and text.</summary>
    private sealed record Outcome(string? Error, string Columns = "", int Rows = 0, string Cells = "", string Absent = "", int? Version = null, string? Alias = null);

    private static (Outcome Outcome, int Used) ReadIn(string json, int parts, int maxRows = 100_000)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var allowed = parts == 1 ? PredictionRowsReader.BodyParts.None : new PredictionRowsReader.BodyParts(bytes, parts);
        try
        {
            var batch = PredictionRowsReader.ReadBody(bytes, allowed, null, maxRows, out _);
            return (new Outcome(null, string.Join(",", batch.Columns), batch.Rows, string.Join(",", batch.Cells), string.Join(",", batch.Absent), batch.Version, batch.Alias), allowed.Used);
        }
        catch (Exception error) when (error is InvalidPredictionInputException or PayloadTooLargeException or JsonException)
        {
            return (new Outcome($"{error.GetType().Name}: {error.Message}"), allowed.Used);
        }
    }

    private static string Body(int rows, Func<int, string> row, string separator = ",", string after = "") =>
        "{\"rows\":[" + string.Join(separator, Enumerable.Range(0, rows).Select(row)) + "]" + after + "}";

    private static PredictionBatch Read(string json) => PredictionRowsReader.ReadBody(Encoding.UTF8.GetBytes(json), null, 10_000);
}
