using System.Globalization;
using System.Text;
using OrleansMl.Ml;

namespace OrleansMl.Tests.Ml;

public class CsvFrameReaderTests
{
    private static readonly CsvReadOptions Defaults = new();

    [Fact]
    public void Read_InfersKindsAndStatistics_OnMixedColumns()
    {
        var csv = new StringBuilder("customer_id,age,member,city,review,code\n");
        var cities = new[] { "Paris", "Berlin", "Rome" };
        var random = new Random(7);
        for (var i = 0; i < 100; i++)
        {
            var ageCell = i % 10 == 0 ? string.Empty : (20 + (i % 30)).ToString(CultureInfo.InvariantCulture);
            var memberCell = i % 4 == 0 ? "no" : "yes";
            var reviewCell = $"\"review number {i}, {(random.Next(2) == 0 ? "great" : "poor")} service\"";
            csv.Append(CultureInfo.InvariantCulture, $"{1000 + i},{ageCell},{memberCell},{cities[i % 3]},{reviewCell},x{i}\n");
        }

        var frame = Read(csv.ToString());

        Assert.Equal(100, frame.RowCount);
        var id = frame.Find("customer_id")!;
        Assert.Equal(ColumnKind.Ignored, id.Kind);
        Assert.Equal(100, id.Info.Distinct);

        var age = frame.Find("age")!;
        Assert.Equal(ColumnKind.Numeric, age.Kind);
        Assert.Equal(90, age.Info.Count);
        Assert.Equal(10, age.Info.Missing);
        var ages = Enumerable.Range(0, 100).Where(i => i % 10 != 0).Select(i => 20.0 + (i % 30)).ToArray();
        Assert.Equal(27, age.Info.Distinct);
        Assert.Equal(ages.Distinct().Count(), age.Info.Distinct);
        Assert.Equal(21, age.Info.Min);
        Assert.Equal(49, age.Info.Max);
        Assert.Equal(ages.Average(), age.Info.Mean!.Value, 6);
        var sd = Math.Sqrt(ages.Sum(a => Math.Pow(a - ages.Average(), 2)) / (ages.Length - 1));
        Assert.Equal(sd, age.Info.StdDev!.Value, 6);
        Assert.True(float.IsNaN(age.Numbers![0]));
        Assert.Null(age.GetText(0));

        var member = frame.Find("member")!;
        Assert.Equal(ColumnKind.Boolean, member.Kind);
        Assert.Equal(("yes", "no"), member.BooleanSpelling);
        Assert.Equal(0f, member.Numbers![0]);
        Assert.Equal(1f, member.Numbers[1]);
        Assert.Equal("no", member.GetText(0));
        Assert.Equal([new ValueCount("yes", 75), new ValueCount("no", 25)], member.Info.TopValues.ToArray());

        var city = frame.Find("city")!;
        Assert.Equal(ColumnKind.Categorical, city.Kind);
        Assert.Equal(3, city.Info.Distinct);
        Assert.Equal(["Paris", "Berlin", "Rome"], city.Dictionary!);
        Assert.Equal(new ValueCount("Paris", 34), city.Info.TopValues[0]);

        var review = frame.Find("review")!;
        Assert.Equal(ColumnKind.Text, review.Kind);
        Assert.StartsWith("review number 0, ", review.GetText(0), StringComparison.Ordinal);

        var code = frame.Find("code")!;
        Assert.Equal(ColumnKind.Ignored, code.Kind);
        Assert.Equal("x5", code.GetText(5));
    }

    [Theory]
    [InlineData("id", ColumnKind.Ignored)]
    [InlineData("customer_id", ColumnKind.Ignored)]
    [InlineData("CustomerId", ColumnKind.Ignored)]
    [InlineData("userID", ColumnKind.Ignored)]
    [InlineData("valid", ColumnKind.Numeric)]
    [InlineData("width", ColumnKind.Numeric)]
    public void Read_IgnoresUniqueIntegers_OnlyInColumnsNamedAsIds(string name, ColumnKind expected)
    {
        var frame = Read($"{name},x\n1,a\n2,b\n3,c\n4,d\n");

        Assert.Equal(expected, frame.Find(name)!.Kind);
    }

    [Fact]
    public void Read_KeepsRepeatedIntegersInAnIdColumnNumeric()
    {
        var frame = Read("store_id,x\n1,a\n2,b\n1,c\n2,d\n");

        Assert.Equal(ColumnKind.Numeric, frame.Find("store_id")!.Kind);
    }

    [Theory]
    [InlineData(',')]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    public void Read_DetectsTheSeparator(char separator)
    {
        var frame = Read($"a{separator}b{separator}c\n1{separator}2.5{separator}x\n3{separator}-4e2{separator}y\n");

        Assert.Equal(["a", "b", "c"], frame.Columns.Select(c => c.Name));
        Assert.Equal([2.5f, -400f], frame.Find("b")!.Numbers!);
    }

    [Fact]
    public void Read_UnquotesFieldsHoldingSeparatorsQuotesAndLineBreaks()
    {
        var frame = Read("name,note\n\"Smith, J\",\"said \"\"hi\"\"\"\n\"Doe\",\"two\nlines\"\n");

        Assert.Equal("Smith, J", frame.Find("name")!.GetText(0));
        Assert.Equal("said \"hi\"", frame.Find("note")!.GetText(0));
        Assert.Equal("two\nlines", frame.Find("note")!.GetText(1));
    }

    [Fact]
    public void Read_TreatsMissingMarkersAsMissing_AndSkipsBlankLines()
    {
        var frame = Read("x,y\n1,a\n,NA\n\nN/A,b\nNaN,null\nnull,?\n7,a\n");

        var x = frame.Find("x")!;
        Assert.Equal(6, frame.RowCount);
        Assert.Equal(ColumnKind.Numeric, x.Kind);
        Assert.Equal(2, x.Info.Count);
        Assert.Equal(4, x.Info.Missing);
        var y = frame.Find("y")!;
        Assert.Equal(3, y.Info.Missing);
        Assert.Equal([0, -1, 1, -1, -1, 0], y.Codes!);
    }

    [Fact]
    public void Read_IgnoresAByteOrderMark()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("name,size\nx,1\n")).ToArray();

        var frame = CsvFrameReader.Read(new MemoryStream(bytes), Defaults);

        Assert.Equal(["name", "size"], frame.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Read_KeepsZeroOneColumnsNumeric()
    {
        var frame = Read("flag\n0\n1\n1\n0\n");

        Assert.Equal(ColumnKind.Numeric, frame.Find("flag")!.Kind);
    }

    [Fact]
    public void Read_KeepsStatisticsFinite_WhenValuesSpanTheWholeFloatRange()
    {
        // Every value is a finite float32, but the difference of two of them is not.
        var csv = new StringBuilder("y\n");
        for (var i = 0; i < 200; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{(i % 2 == 0 ? 3.3e38 : -3.3e38)}\n");
        }

        var y = Read(csv.ToString()).Find("y")!;

        Assert.Equal(ColumnKind.Numeric, y.Kind);
        Assert.True(double.IsFinite(y.Info.Mean!.Value), $"mean {y.Info.Mean}");
        Assert.True(double.IsFinite(y.Info.StdDev!.Value), $"stdDev {y.Info.StdDev}");
        Assert.Equal(0, y.Info.Mean!.Value, 1e30);
        Assert.Equal(3.3e38, y.Info.StdDev!.Value, 1e36);
        Assert.Equal(-3.3e38, y.Info.Min!.Value, 1e32);
        Assert.Equal(3.3e38, y.Info.Max!.Value, 1e32);
        Assert.All(y.Info.Histogram!.Cuts, c => Assert.True(double.IsFinite(c)));
    }

    [Fact]
    public void Read_KeepsTheExactTextOfNumbers_WhenAColumnTurnsOutToBeText()
    {
        var csv = new StringBuilder("zip\n");
        for (var i = 0; i < 10; i++)
        {
            csv.Append("007\n12345678901\nSW1A\n1.50\n");
        }

        var zip = Read(csv.ToString()).Find("zip")!;

        Assert.Equal(ColumnKind.Categorical, zip.Kind);
        Assert.Equal(["007", "12345678901", "SW1A", "1.50"], zip.Dictionary!);
        Assert.Equal("007", zip.GetText(4));
        Assert.Equal([0, 1, 2, 3, 0], zip.Codes![..5]);
    }

    [Fact]
    public void Read_KeepsExactText_WhenTheInputCannotSeek()
    {
        var bytes = Encoding.UTF8.GetBytes("code,n\n01,1\n02,2\nA1,3\n01,4\n");
        using var stream = new ForwardOnlyStream(bytes);

        var frame = CsvFrameReader.Read(stream, Defaults);

        Assert.Equal(["01", "02", "A1"], frame.Find("code")!.Dictionary!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    public void Read_RejectsEmptyInput(string csv)
    {
        var error = Assert.Throws<InvalidDatasetException>(() => Read(csv));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RejectsAHeaderWithoutDataRows()
    {
        var error = Assert.Throws<InvalidDatasetException>(() => Read("a,b,c\n"));

        Assert.Contains("no data rows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RejectsAnEmptyHeaderName_NamingTheColumn()
    {
        var error = Assert.Throws<InvalidDatasetException>(() => Read("a,,c\n1,2,3\n"));

        Assert.Contains("no name for column 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RejectsDuplicateHeaderNames_NamingThem()
    {
        var error = Assert.Throws<InvalidDatasetException>(() => Read("age,city,age\n1,x,2\n"));

        Assert.Contains("'age' (columns 1, 3)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RejectsRaggedRow_NamingTheLine()
    {
        var csv = new StringBuilder("a,b,c,d\n");
        for (var i = 2; i < 17; i++)
        {
            csv.Append("1,2,3,4\n");
        }

        csv.Append("1,2,3,4,5\n1,2,3,4\n");

        var error = Assert.Throws<InvalidDatasetException>(() => Read(csv.ToString()));

        Assert.Contains("Line 17 has 5 fields, the header has 4", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void Read_CountsLinesOfQuotedLineBreaks_WhenNamingARaggedRow(string newline)
    {
        var csv = $"a,b{newline}1,\"two{newline}lines\"{newline}3,4{newline}5{newline}";

        var error = Assert.Throws<InvalidDatasetException>(() => Read(csv));

        Assert.Contains("Line 5 has 1 field, the header has 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RejectsMoreColumnsThanAllowed()
    {
        var error = Assert.Throws<InvalidDatasetException>(
            () => CsvFrameReader.Read(ToStream("a,b,c\n1,2,3\n"), new CsvReadOptions { MaxColumns = 2 }));

        Assert.Contains("3 columns; at most 2 are allowed (OrleansMl__MaxColumns)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RejectsMoreRowsThanAllowed()
    {
        var error = Assert.Throws<InvalidDatasetException>(
            () => CsvFrameReader.Read(ToStream("a\n1\n2\n3\n"), new CsvReadOptions { MaxRows = 2 }));

        Assert.Contains("more than 2 data rows", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RejectsTextInAMostlyNumericColumn_NamingColumnAndLine()
    {
        var csv = new StringBuilder("id,age\n");
        for (var i = 2; i <= 80; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},{(i == 57 ? "abc" : (i % 50).ToString(CultureInfo.InvariantCulture))}\n");
        }

        var error = Assert.Throws<InvalidDatasetException>(() => Read(csv.ToString()));

        Assert.Contains("Column 'age' is numeric but line 57 has 'abc'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RejectsTextInAMostlyNumericColumn_WhenTheTextComesFirst()
    {
        var csv = new StringBuilder("price\nn/a-ish\n");
        for (var i = 0; i < 20; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i}.5\n");
        }

        var error = Assert.Throws<InvalidDatasetException>(() => Read(csv.ToString()));

        Assert.Contains("Column 'price' is numeric but line 2 has 'n/a-ish'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AcceptsAFewNumbersInATextColumn()
    {
        var frame = Read("size\nS\nM\n3\nL\nS\nM\n");

        Assert.Equal(ColumnKind.Categorical, frame.Find("size")!.Kind);
    }

    [Fact]
    public void Read_Stops_WhenCancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var csv = new StringBuilder("a\n");
        for (var i = 0; i < 40_000; i++)
        {
            csv.Append("1\n");
        }

        Assert.ThrowsAny<OperationCanceledException>(
            () => CsvFrameReader.Read(ToStream(csv.ToString()), Defaults, cancelled.Token));
    }

    [Fact]
    public void ANulCharacter_IsRejected_NamingTheLine()
    {
        var error = Assert.Throws<InvalidDatasetException>(() => Read("a,b\n1,x\n2,y\0z\n3,w\n"));
        var header = Assert.Throws<InvalidDatasetException>(() => Read("a,b\0\n1,x\n"));

        Assert.Contains("Line 3 contains a NUL character", error.Message, StringComparison.Ordinal);
        Assert.Contains("The header line contains a NUL character", header.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void QuotedValues_KeepTheirSeparatorsDoubledQuotesAndLineBreaks(string newline)
    {
        var csv = $"\"id\",\"note\",n{newline}1, \"a, b\" ,2{newline}2,\"\"\"quoted\"\"\",3{newline}3,\"two{newline}lines, \"\"here\"\"\",4{newline}4,\"\",5{newline}5,plain,6{newline}";

        var frame = Read(csv);

        Assert.Equal(["id", "note", "n"], frame.Columns.Select(c => c.Name));
        Assert.Equal(5, frame.RowCount);
        var note = frame.Find("note")!;
        Assert.Equal("a, b", note.GetText(0));
        Assert.Equal("\"quoted\"", note.GetText(1));
        Assert.Equal($"two{newline}lines, \"here\"", note.GetText(2));
        Assert.Null(note.GetText(3));
        Assert.Equal("plain", note.GetText(4));
        Assert.Equal([2f, 3f, 4f, 5f, 6f], frame.Find("n")!.Numbers!);
    }

    [Fact]
    public void QuotedValues_AreReadInASingleColumn_AndWithAnotherSeparator()
    {
        var single = Read("name\n\"a\"\"b\"\n\"c\"\nd\n\"e\"\"\"\n").Find("name")!;
        var semicolons = Read("a;b\n\"x;y\";\"p,q\"\nz;\"r\"\"s\"\n");

        Assert.Equal(["a\"b", "c", "d", "e\""], Enumerable.Range(0, 4).Select(single.GetText));
        Assert.Equal(["x;y", "z"], Enumerable.Range(0, 2).Select(semicolons.Find("a")!.GetText));
        Assert.Equal(["p,q", "r\"s"], Enumerable.Range(0, 2).Select(semicolons.Find("b")!.GetText));
    }

    [Fact]
    public void AQuoteNeverClosed_IsRejected_NamingTheLineItOpensOn_InsteadOfSwallowingTheRestOfTheFile()
    {
        var csv = new StringBuilder("x,name\n1,a\n2,b\n3,\"oops\n");
        for (var i = 4; i <= 1000; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},v{i}\n");
        }

        var error = Assert.Throws<InvalidDatasetException>(() => Read(csv.ToString()));

        Assert.Contains("The quote opened on line 4 (column 'name') is never closed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x,name\n1,ab\"c\n2,d\n", "Line 2, column 'name' has a quote (\") inside a value that does not start with one")]
    [InlineData("x,name\n1,ab\"c\"d\n2,e\n", "Line 2, column 'name' has a quote (\") inside a value that does not start with one")]
    [InlineData("x,name,z\n1,ab\"c,3\n2,d,4\n", "Line 2, column 'name' has a quote (\") inside a value that does not start with one")]
    [InlineData("x,name\n1,ab \"c\"\n", "Line 2, column 'name' has a quote (\") inside a value that does not start with one")]
    [InlineData("x,name,z\n\"1\", \"a,b\" ,c\"d\n", "Line 2, column 'z' has a quote (\") inside a value that does not start with one")]
    [InlineData("x,na\"me\n1,a\n", "Line 1, column 2 has a quote (\") inside a value that does not start with one")]
    [InlineData("x,name\n1,\"ab\"c\n2,d\n", "Line 2, column 'name' has text after the closing quote")]
    [InlineData("x,name\n1,\"two\nlines\" and more\n2,d\n", "Line 3, column 'name' has text after the closing quote")]
    [InlineData("x,name\n1,\"ok\"\n2,\"two\r\nlines\"\n3,x\"y\n", "Line 5, column 'name' has a quote (\") inside a value")]
    public void AQuoteOutOfPlace_IsRejected_NamingLineAndColumn(string csv, string expected)
    {
        var error = Assert.Throws<InvalidDatasetException>(() => Read(csv));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARowLongerThanTheParserHolds_IsRejected_NamingItsLineAndTheLimit()
    {
        var error = Assert.Throws<InvalidDatasetException>(() => Read($"a,b\n1,x\n2,{new string('x', 17_000_000)}\n3,y\n"));

        Assert.Contains("The row that starts on line 3 is too long: it does not fit in the 16,777,216 characters (16 MiB) a row is read into", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b\n1,2\n3,\"", false, 3)]
    [InlineData("a,b\n1,2\n3,\"", true, 3)]
    [InlineData("\"", false, 1)]
    public void AQuoteNeverClosed_PastTheRowLimit_IsRejected_NamingTheLineItOpensOn(string start, bool manyLines, int line)
    {
        var rest = manyLines ? string.Concat(Enumerable.Repeat("x,y\n", 4_300_000)) : new string('x', 17_000_000);

        var error = Assert.Throws<InvalidDatasetException>(() => Read(start + rest));

        Assert.Contains($"The quote opened on line {line} is never closed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AQuoteClosedOnlyPastTheRowLimit_IsRejected_NamingTheLinesItsRowRunsOver()
    {
        var csv = "a,b\n1,2\n3,\"x\n" + string.Concat(Enumerable.Repeat("x,y\n", 4_300_000)) + "\"4\n5,6\n";

        var error = Assert.Throws<InvalidDatasetException>(() => Read(csv));

        Assert.Contains("The row that starts on line 3 is too long", error.Message, StringComparison.Ordinal);
        Assert.Contains("Quoted values make it run over lines 3 to 4300004", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, 3)]
    [InlineData(true, 6)]
    public void BytesThatAreNotUtf8_AreRejected_NamingTheLine_InsteadOfBeingReplaced(bool byteOrderMark, int offset)
    {
        var bytes = (byteOrderMark ? Encoding.UTF8.GetPreamble() : []).Concat(Encoding.Latin1.GetBytes("caf\u00e9,b\nx,1\ny,2\n")).ToArray();

        var error = Assert.Throws<InvalidDatasetException>(() => CsvFrameReader.Read(new MemoryStream(bytes), Defaults));

        Assert.Contains($"Line 1 is not valid UTF-8: byte 0xE9 at offset {offset} of the file", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void ABadByteDeepInTheFile_IsRejected_NamingItsLine(string newline)
    {
        // Far past the reader's first buffer, after valid non-ASCII text and a quoted line break (which counts as a line).
        var csv = new StringBuilder($"n,text{newline}0,\"two{newline}lines\"{newline}");
        for (var i = 1; i < 20_000; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},caf\u00e9 {i % 7}{newline}");
        }

        var bytes = Encoding.UTF8.GetBytes(csv.ToString())
            .Concat(Encoding.Latin1.GetBytes($"20000,caf\u00e9{newline}"))
            .Concat(Encoding.UTF8.GetBytes($"20001,x{newline}"))
            .ToArray();

        var error = Assert.Throws<InvalidDatasetException>(() => CsvFrameReader.Read(new MemoryStream(bytes), Defaults));

        Assert.Contains("Line 20003 is not valid UTF-8: byte 0xE9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ACharacterCutOffAtTheEndOfTheFile_IsNotValidUtf8()
    {
        var bytes = Encoding.UTF8.GetBytes("a\ncaf\u00e9\n").SkipLast(2).ToArray();

        var error = Assert.Throws<InvalidDatasetException>(() => CsvFrameReader.Read(new MemoryStream(bytes), Defaults));

        Assert.Contains("Line 2 is not valid UTF-8: byte 0xC3 at offset 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Utf8Text_WithAByteOrderMark_IsReadExactly()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("name,size\ncaf\u00e9,1\nna\u00efve \u2615,2\n\U0001F600,3\n")).ToArray();

        var frame = CsvFrameReader.Read(new MemoryStream(bytes), Defaults);

        Assert.Equal(["caf\u00e9", "na\u00efve \u2615", "\U0001F600"], Enumerable.Range(0, 3).Select(frame.Find("name")!.GetText));
    }

    [Fact]
    public void ACell_AtTheLengthLimit_IsAccepted_AndOneCharacterLonger_IsRejectedNamingLineAndColumn()
    {
        var options = new CsvReadOptions { MaxCellCharacters = 50 };
        CsvFrameReader.Read(ToStream($"a,note\n1,{new string('x', 50)}\n2,y\n"), options);

        var error = Assert.Throws<InvalidDatasetException>(() => CsvFrameReader.Read(ToStream($"a,note\n1,y\n2,{new string('x', 51)}\n"), options));

        Assert.Contains("Line 3, column 'note' has a cell of 51 characters; at most 50 are allowed (OrleansMl__MaxCellCharacters)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AColumnName_AtTheLengthLimit_IsAccepted_AndOneCharacterLonger_IsRejected()
    {
        var options = new CsvReadOptions { MaxColumnNameLength = 20 };
        CsvFrameReader.Read(ToStream($"a,{new string('n', 20)}\n1,2\n"), options);

        var error = Assert.Throws<InvalidDatasetException>(() => CsvFrameReader.Read(ToStream($"a,{new string('n', 21)}\n1,2\n"), options));

        Assert.Contains("The name of column 2 has 21 characters; at most 20 are allowed (OrleansMl__MaxColumnNameLength)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Statistics_KeepAtMostTheTopValuesAsked_EachCutToTheShownLength()
    {
        var options = new CsvReadOptions { MaxTopValues = 3, MaxShownValueLength = 8 };
        var csv = new StringBuilder("k,text\n");
        for (var i = 0; i < 200; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},{(i % 5 == 0 ? "a very long value indeed" : $"v{i % 7}")}\n");
        }

        var column = CsvFrameReader.Read(ToStream(csv.ToString()), options).Find("text")!;

        Assert.Equal(3, column.Info.TopValues.Length);
        Assert.Equal("a very l…", column.Info.TopValues[0].Value);
        Assert.Equal(40, column.Info.TopValues[0].Count);
        Assert.Contains("a very long value indeed", column.Dictionary!);
    }

    [Fact]
    public void ABooleanColumn_KeepsItsSpelling_WithNoTopValuesKept()
    {
        var column = CsvFrameReader.Read(ToStream("f,x\nyes,1\nno,2\nyes,3\n"), new CsvReadOptions { MaxTopValues = 0 }).Find("f")!;

        Assert.Equal(ColumnKind.Boolean, column.Kind);
        Assert.Empty(column.Info.TopValues);
        Assert.Equal(("yes", "no"), column.BooleanSpelling);
    }

    private static DatasetFrame Read(string csv) => CsvFrameReader.Read(ToStream(csv), Defaults);

    private static MemoryStream ToStream(string csv) => new(Encoding.UTF8.GetBytes(csv));

    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
