using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace OrleansMl.Ml;

/// <summary>
/// Strings of a JSON text that are not Unicode text: bytes that are not UTF-8, or a <c>\u</c> escape of half a surrogate
/// pair (<c>\uD800</c>-<c>\uDFFF</c>) without its other half. Both are well-formed to a JSON tokenizer, and the reader
/// fails only when such a string is read as text, with an <see cref="InvalidOperationException"/> rather than a
/// <see cref="JsonException"/>: readers that read strings by hand catch it (<see cref="IsInvalidText"/>) and refuse the
/// body with <see cref="Describe"/>, which names the string's place.
/// </summary>
public static class JsonText
{
    /// <summary>What a refusal says such a string is, after naming where it is.</summary>
    public const string NotText =
        "is not valid Unicode text: it holds bytes that are not UTF-8, or a \\u escape of half a surrogate pair (\\uD800-\\uDFFF) without its other half";

    /// <summary>
    /// Whether <paramref name="exception"/> is the JSON reader failing to read a string as text. It throws the same type
    /// for a token of another type read as a string, so its message tells them apart: the runtime's text for invalid
    /// UTF-8 and for invalid UTF-16 (a lone surrogate) names the encoding, the other does not (its messages are English).
    /// </summary>
    public static bool IsInvalidText(Exception exception) =>
        exception is InvalidOperationException { Source: { } source, Message: var message }
        && source.StartsWith("System.Text.Json", StringComparison.Ordinal)
        && (message.Contains("UTF-8", StringComparison.Ordinal) || message.Contains("UTF-16", StringComparison.Ordinal));

    /// <summary>
    /// Where the first string of <paramref name="json"/> that is not Unicode text is, as a path such as
    /// <c>$.rows[0].contract</c> (<paramref name="root"/> standing for the whole text), or the name of a member of an object;
    /// null when every string is text, or when the text is not JSON up to that string (the reader's own error says where).
    /// </summary>
    public static string? FindInvalid(ReadOnlySpan<byte> json, string root = "$") => Walk(json, root);

    /// <summary>Whether every string of <paramref name="json"/> is Unicode text (without building any path: for every request).</summary>
    public static bool IsValid(ReadOnlySpan<byte> json) => Walk(json, root: null) is null;

    /// <summary>
    /// The refusal of a body with a string that is not Unicode text, naming its place, e.g.
    /// <c>The string at $.rows[0].contract is not valid Unicode text: ...</c>.
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> json, string body = "the request body", string root = "$") =>
        FindInvalid(json, root) is { } place
            ? $"The {place} {NotText}. Send {body} as UTF-8."
            : $"A string in {body} {NotText}. Send it as UTF-8.";

    /// <summary>Whether one string token (a value or a member's name) is Unicode text.</summary>
    public static bool IsText(ref Utf8JsonReader reader)
    {
        var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        if (!Utf8.IsValid(raw))
        {
            return false;
        }

        // Only a \u escape can spell a lone surrogate; escapes are rare, and only these strings are decoded.
        if (!reader.ValueIsEscaped || raw.IndexOf("\\u"u8) < 0)
        {
            return true;
        }

        try
        {
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // With a root, the path of the string is built and returned; without one, only whether there is one (empty).
    private static string? Walk(ReadOnlySpan<byte> json, string? root)
    {
        var describe = root is not null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });

        // The path so far, kept only when describing: a member's name, or an array's next index.
        var path = describe ? new List<(string? Name, int Index)>() : null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (!IsText(ref reader))
                        {
                            return describe ? $"name of a member of {Path(root!, path!.GetRange(0, path.Count - 1))}" : string.Empty;
                        }

                        if (path is not null)
                        {
                            path[^1] = (reader.GetString(), -1);
                        }

                        break;
                    case JsonTokenType.String:
                        if (!IsText(ref reader))
                        {
                            return describe ? $"string at {Path(root!, path!)}" : string.Empty;
                        }

                        Advance(path);
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        path?.Add((null, reader.TokenType == JsonTokenType.StartArray ? 0 : -1));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        if (path is not null)
                        {
                            path.RemoveAt(path.Count - 1);
                            Advance(path);
                        }

                        break;
                    default:
                        Advance(path);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    // After a value inside an array, the next value is at the next index.
    private static void Advance(List<(string? Name, int Index)>? path)
    {
        if (path is { Count: > 0 } && path[^1] is { Name: null, Index: >= 0 } array)
        {
            path[^1] = (null, array.Index + 1);
        }
    }

    // Each level is a member's name, an array's index, or nothing (an object before its first name).
    private static string Path(string root, List<(string? Name, int Index)> path)
    {
        var text = new StringBuilder(root);
        foreach (var (name, index) in path)
        {
            if (name is not null)
            {
                text.Append('.').Append(NameList.Cut(name));
            }
            else if (index >= 0)
            {
                text.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
        }

        return text.ToString();
    }
}
