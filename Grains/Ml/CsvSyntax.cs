using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using nietras.SeparatedValues;

namespace OrleansMl.Ml;

/// <summary>
/// How a CSV sent by a user is read (an upload, or rows to append), and the rules it must follow beyond the parser's.
/// The parser is lenient where leniency loses data without a word: it replaces bytes that are not UTF-8 with U+FFFD,
/// reads a quote that is never closed (or one in the middle of an unquoted value) as the start of a value that runs on
/// over the following lines, to the end of the file if no other quote ends it, and fails a row longer than its buffer
/// with a <see cref="NotSupportedException"/>. Here each of these is an <see cref="InvalidDatasetException"/> naming the
/// line. Quotes follow RFC 4180: a quoted value starts and ends with a quote (spaces around it are trimmed), a quote
/// inside it is written twice, and an unquoted value holds no quote at all.
/// </summary>
internal static class CsvSyntax
{
    /// <summary>
    /// The parser's buffer for one row, in characters: a row, quoted line breaks included, must fit in it with a few
    /// characters to spare.
    /// </summary>
    public const int MaxRowCharacters = 1 << 24;

    // Throws on bytes that are not UTF-8 where the parser's own decoding would replace them; NotUtf8 then finds the line.
    // With the byte order mark as its preamble: the reader skips a UTF-8 one and keeps this encoding, where detecting
    // the mark would switch to the lenient Encoding.UTF8.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    private static readonly SearchValues<char> LineBreaks = SearchValues.Create("\r\n");

    private static readonly SearchValues<char> QuotesAndLineBreaks = SearchValues.Create("\"\r\n");

    /// <summary>
    /// Reads <paramref name="csv"/> (left open) as UTF-8 (a byte order mark is skipped) with the separator detected from
    /// the first line, quoted values unquoted and spaces around values trimmed.
    /// </summary>
    public static SepReader Open(Stream csv) =>
        Sep.Reader(o => o with
        {
            HasHeader = false,
            Unescape = true,
            Trim = SepTrim.All,
            DisableColCountCheck = true,
            CultureInfo = CultureInfo.InvariantCulture,
        }).From(new StreamReader(csv, StrictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: -1, leaveOpen: true));

    /// <summary>
    /// Refuses a row whose quotes RFC 4180 does not allow: a quote inside an unquoted value, text after a closing quote, or
    /// a quote that is never closed (the parser then ends the row at the end of the input). <paramref name="row"/> is the
    /// row's raw text (<see cref="SepReader.Row.Span"/>) and must be checked before any of its cells is read, since reading
    /// a quoted cell unquotes it in place; <paramref name="names"/> names the columns in the errors (null on a header line).
    /// </summary>
    public static void CheckQuotes(ReadOnlySpan<char> row, char separator, int line, IReadOnlyList<string>? names)
    {
        // From quote to quote: the text between quoted values holds none, so only each quote's surroundings are looked at.
        var i = 0;
        while (true)
        {
            var found = row[i..].IndexOf('"');
            if (found < 0)
            {
                return;
            }

            // Only spaces may stand between a quoted value and its separators: the parser trims those (not tabs).
            var opened = i + found;
            var before = opened - 1;
            while (before >= 0 && row[before] == ' ')
            {
                before--;
            }

            if (before >= 0 && row[before] != separator)
            {
                throw new InvalidDatasetException(
                    $"Line {line + LineBreaksIn(row[..opened])}, {Column(names, ColumnAt(row, opened, separator))} has a quote (\") inside a value that does not start with one. "
                    + "Put the whole value in quotes and write each quote in it twice (ab\"c as \"ab\"\"c\"), or remove the quote.");
            }

            i = opened + 1;
            while (true)
            {
                var quote = row[i..].IndexOf('"');
                if (quote < 0)
                {
                    throw NeverClosed(line + LineBreaksIn(row[..opened]), $" ({Column(names, ColumnAt(row, opened, separator))})");
                }

                i += quote + 1;
                if (i < row.Length && row[i] == '"')
                {
                    i++; // a doubled quote: one quote inside the value
                    continue;
                }

                break;
            }

            var after = i;
            while (after < row.Length && row[after] == ' ')
            {
                after++;
            }

            if (after < row.Length && row[after] != separator)
            {
                throw new InvalidDatasetException(
                    $"Line {line + LineBreaksIn(row[..after])}, {Column(names, ColumnAt(row, opened, separator))} has text after the closing quote of a quoted value. "
                    + "A quote inside a quoted value is written twice (\"\"); quote the whole value.");
            }
        }
    }

    /// <summary>Whether <paramref name="exception"/> is one of the reading failures <see cref="Explain"/> turns into an error naming the line.</summary>
    public static bool IsReadFailure(Exception exception) =>
        exception is DecoderFallbackException
        || (exception is NotSupportedException && exception.TargetSite?.Module.Assembly == typeof(SepReader).Assembly);

    /// <summary>
    /// The error to answer for a reading failure: bytes that are not UTF-8, or a row longer than the parser can hold (the
    /// one that starts on <paramref name="nextLine"/>, the line after the last row read). Reads <paramref name="csv"/>
    /// again from <paramref name="start"/> to find the line, so the stream must be seekable; done only on failure, so the
    /// reading itself keeps its speed.
    /// </summary>
    public static InvalidDatasetException Explain(Exception exception, Stream csv, long start, int nextLine)
    {
        ArgumentNullException.ThrowIfNull(csv);
        csv.Position = start;
        return exception is DecoderFallbackException ? NotUtf8(csv) : RowTooLong(csv, nextLine);
    }

    private static InvalidDatasetException NotUtf8(Stream csv)
    {
        var bytes = new byte[1 << 16];
        var chars = new char[bytes.Length];
        var line = 1;
        var afterCr = false;
        long offset = 0; // of bytes[0] in the file
        var kept = 0; // the start of a character cut off at the end of the previous read
        while (true)
        {
            var read = csv.Read(bytes, kept, bytes.Length - kept);
            var length = kept + read;
            var status = Utf8.ToUtf16(bytes.AsSpan(0, length), chars, out var used, out var written, replaceInvalidSequences: false, isFinalBlock: read == 0);
            line += LineBreaksIn(chars.AsSpan(0, written), ref afterCr);
            if (status == OperationStatus.InvalidData)
            {
                return new InvalidDatasetException(string.Create(CultureInfo.InvariantCulture,
                    $"Line {line} is not valid UTF-8: byte 0x{bytes[used]:X2} at offset {offset + used} of the file is not part of a UTF-8 character. ")
                    + "Save or export the CSV as UTF-8; other encodings (Latin-1, Windows-1252, ...) are not read.");
            }

            if (read == 0)
            {
                return new InvalidDatasetException("The CSV is not valid UTF-8. Save or export it as UTF-8.");
            }

            kept = length - used;
            bytes.AsSpan(used, kept).CopyTo(bytes);
            offset += used;
        }
    }

    /// <summary>
    /// Finds why the row starting on <paramref name="line"/> did not fit: a quote that is never closed (the parser reads
    /// on to the end of the input for its closing quote), or a row that is that long.
    /// </summary>
    private static InvalidDatasetException RowTooLong(Stream csv, int line)
    {
        // Quotes and line breaks are ASCII, so lenient decoding finds them all.
        using var text = new StreamReader(csv, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var buffer = new char[1 << 16];
        var current = 1;
        var afterCr = false;
        var quoted = false;
        var openedOn = 0;
        int read;
        while ((read = text.Read(buffer)) > 0)
        {
            var rest = buffer.AsSpan(0, read);
            while (true)
            {
                var at = current < line ? rest.IndexOfAny(LineBreaks) : rest.IndexOfAny(QuotesAndLineBreaks);
                if (at < 0)
                {
                    afterCr &= rest.IsEmpty;
                    break;
                }

                var c = rest[at];
                if (c == '"')
                {
                    quoted = !quoted;
                    openedOn = quoted ? current : openedOn;
                    afterCr = false;
                }
                else if (!(c == '\n' && at == 0 && afterCr)) // the \n of \r\n ends the same line
                {
                    if (current >= line && !quoted)
                    {
                        return TooLong(line, current);
                    }

                    current++;
                    afterCr = c == '\r';
                }
                else
                {
                    afterCr = false;
                }

                rest = rest[(at + 1)..];
            }
        }

        return quoted ? NeverClosed(openedOn, string.Empty) : TooLong(line, current);
    }

    private static InvalidDatasetException TooLong(int line, int lastLine) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"The row that starts on line {line} is too long: it does not fit in the {MaxRowCharacters:N0} characters (16 MiB) a row is read into. ")
            + (lastLine > line
                ? string.Create(CultureInfo.InvariantCulture,
                    $"Quoted values make it run over lines {line} to {lastLine}: check for a quote that is closed only much later, or write a quote that is part of a value twice (\"\").")
                : "Shorten its values, or keep long documents out of the CSV."));

    private static InvalidDatasetException NeverClosed(int line, string where) =>
        new($"The quote opened on line {line}{where} is never closed, so the rest of the file would be read as one value. "
            + "Close the quote, or write a quote that is part of a value twice (\"\").");

    private static string Column(IReadOnlyList<string>? names, int column) =>
        names is not null && column < names.Count ? $"column '{names[column]}'" : $"column {column + 1}";

    /// <summary>The column of position <paramref name="at"/> in a row whose quotes before it are in place.</summary>
    private static int ColumnAt(ReadOnlySpan<char> row, int at, char separator)
    {
        var column = 0;
        var quoted = false;
        foreach (var c in row[..at])
        {
            quoted ^= c == '"';
            column += !quoted && c == separator ? 1 : 0;
        }

        return column;
    }

    private static int LineBreaksIn(ReadOnlySpan<char> text)
    {
        var afterCr = false;
        return LineBreaksIn(text, ref afterCr);
    }

    /// <summary>Line breaks as the parser counts them: \n, \r\n and a lone \r; <paramref name="afterCr"/> carries a \r at the end of a chunk into the next.</summary>
    private static int LineBreaksIn(ReadOnlySpan<char> text, ref bool afterCr)
    {
        var count = 0;
        while (true)
        {
            var at = text.IndexOfAny(LineBreaks);
            if (at < 0)
            {
                afterCr &= text.IsEmpty;
                return count;
            }

            if (!(text[at] == '\n' && at == 0 && afterCr))
            {
                count++;
            }

            afterCr = text[at] == '\r';
            text = text[(at + 1)..];
        }
    }
}
