using System.Buffers;
using System.Text;
using System.Text.Json;
using OrleansMl.Ml;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// The body of a POST to <c>/mcp</c>, read once before anything answers it, and the checks only the raw JSON allows. A
/// JSON-RPC message that names a member twice (<c>{"method": "ping", "method": "tools/call", ...}</c>) is refused as an
/// invalid request naming it: the SDK reads such a message keeping the last value, so the call that ran would not be the
/// one the first reading of the body shows. A name given twice in <c>params</c> or <c>params._meta</c> is "invalid
/// params" (the SDK reads those into tables that fail on a repeat, some before any filter of ours runs); names deeper
/// inside <c>params</c> are checked where the SDK has parsed them (<see cref="RequestParamsFilter"/>). A string anywhere
/// in the message that is not Unicode text (<see cref="JsonText"/>) is a parse error naming where it is.
/// </summary>
internal static class JsonRpcEnvelope
{
    // Bodies up to this size are read into a pooled buffer; larger ones (a dataset's CSV) into an array of their own.
    private const int PooledBytes = DirectPredictCalls.MaxBodyBytes;

    /// <summary>
    /// Reads the request body whole (the endpoint has already bounded its size) and calls <paramref name="next"/> with
    /// it, or answers 400 when the message names a member twice. The request's body stream is replaced by the bytes
    /// read, so whatever runs next reads them as they came.
    /// </summary>
    public static async Task RunAsync(HttpContext context, Func<HttpContext, ReadOnlyMemory<byte>, Task> next)
    {
        var request = context.Request;
        byte[] buffer;
        int length;
        var pooled = false;
        if (request.ContentLength is { } declared and <= PooledBytes)
        {
            buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, declared));
            pooled = true;
            length = await request.Body.ReadAtLeastAsync(buffer.AsMemory(0, (int)declared), (int)declared, throwOnEndOfStream: false, context.RequestAborted);
        }
        else
        {
            using var copy = new MemoryStream(request.ContentLength is { } size and <= int.MaxValue ? (int)size : 0);
            await request.Body.CopyToAsync(copy, context.RequestAborted);
            buffer = copy.GetBuffer();
            length = (int)copy.Length;
        }

        try
        {
            var body = buffer.AsMemory(0, length);
            if (Check(body.Span) is { } refusal)
            {
                await RefuseAsync(context.Response, refusal, context.RequestAborted);
                return;
            }

            request.Body = new MemoryStream(buffer, 0, length, writable: false);
            await next(context, body);
        }
        finally
        {
            if (pooled)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>What the envelope refuses a message with: a JSON-RPC error, its code and HTTP status, and the request's id when known.</summary>
    internal sealed record Refusal(int Status, int Code, string Message, string? RawId);

    /// <summary>
    /// Why the body is refused before the SDK reads it (see the type's summary), or null. A body that is not one JSON
    /// object (a batch, or not JSON) is refused only for a string that is not text; the SDK answers the rest as it does.
    /// </summary>
    internal static Refusal? Check(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });

        // The message's own members, those of params and of params._meta: the usual names are compared where they lie
        // (nothing to allocate per request); any other name, rare, is kept as a string.
        Members message = default, parameters = default, meta = default;
        var section = Section.Other;
        var next = Section.Other;
        // Where the id and the method lie in the body: read only when a refusal quotes them.
        Range id = default, method = default;
        try
        {
            if (!reader.Read())
            {
                return null;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return JsonText.IsValid(body) ? null : Unreadable(body);
            }

            while (reader.Read())
            {
                var depth = reader.CurrentDepth;
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (!JsonText.IsText(ref reader))
                        {
                            return Unreadable(body);
                        }

                        next = Section.Other;
                        if (depth == 1)
                        {
                            if (message.Repeats(ref reader, MessageNames) is { } name)
                            {
                                return new Refusal(StatusCodes.Status400BadRequest, -32600, $"The JSON-RPC message names '{NameList.Cut(name)}' twice; send each name once.", null);
                            }

                            next = reader.ValueTextEquals("params"u8) ? Section.Params
                                : reader.ValueTextEquals("id"u8) ? Section.Id
                                : reader.ValueTextEquals("method"u8) ? Section.Method
                                : Section.Other;
                        }
                        else if (depth == 2 && section == Section.Params)
                        {
                            if (parameters.Repeats(ref reader, ParamsNames) is { } name)
                            {
                                return InvalidParams($"params{Of(body, method)} names '{NameList.Cut(name)}' twice; send each name once.", Raw(body, id));
                            }

                            next = reader.ValueTextEquals("_meta"u8) ? Section.Meta : Section.Other;
                        }
                        else if (depth == 3 && section == Section.Meta && meta.Repeats(ref reader, MetaNames) is { } name)
                        {
                            return InvalidParams($"params._meta{Of(body, method)} names '{NameList.Cut(name)}' twice; send each name once.", Raw(body, id));
                        }

                        break;
                    case JsonTokenType.String:
                        if (!JsonText.IsText(ref reader))
                        {
                            return Unreadable(body);
                        }

                        if (next == Section.Id && depth == 1)
                        {
                            id = (int)reader.TokenStartIndex..(int)reader.BytesConsumed;
                        }
                        else if (next == Section.Method && depth == 1)
                        {
                            method = (int)reader.TokenStartIndex..(int)reader.BytesConsumed;
                        }

                        break;
                    case JsonTokenType.Number when next == Section.Id && depth == 1:
                        id = (int)reader.TokenStartIndex..(int)reader.BytesConsumed;
                        break;
                    case JsonTokenType.StartObject when depth == 1 && next == Section.Params:
                        section = Section.Params;
                        break;
                    case JsonTokenType.StartObject when depth == 2 && section == Section.Params && next == Section.Meta:
                        section = Section.Meta;
                        break;
                    case JsonTokenType.EndObject when depth == 1 && section == Section.Params:
                        section = Section.Other;
                        break;
                    case JsonTokenType.EndObject when depth == 2 && section == Section.Meta:
                        section = Section.Params;
                        break;
                }

                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    next = Section.Other;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the SDK says so in its own words.
        }

        return null;
    }

    // " of tools/call": the method the message names, when it named one before the refusal (the string as JSON, quoted).
    private static string Of(ReadOnlySpan<byte> body, Range method) =>
        method.End.Value > 0 && JsonSerializer.Deserialize<string>(body[method]) is { } name ? $" of {NameList.Cut(name)}" : string.Empty;

    // The id as the message wrote it (a number, or a quoted string), when it came before the refusal.
    private static string? Raw(ReadOnlySpan<byte> body, Range id) => id.End.Value > 0 ? Encoding.UTF8.GetString(body[id]) : null;

    private static Refusal Unreadable(ReadOnlySpan<byte> body) =>
        new(StatusCodes.Status400BadRequest, -32700, JsonText.Describe(body, "the JSON-RPC message"), null);

    private static Refusal InvalidParams(string message, string? rawId) => new(StatusCodes.Status200OK, -32602, message, rawId);

    private enum Section
    {
        Other,
        Id,
        Method,
        Params,
        Meta,
    }

    private static readonly byte[][] MessageNames = ["jsonrpc"u8.ToArray(), "id"u8.ToArray(), "method"u8.ToArray(), "params"u8.ToArray()];
    private static readonly byte[][] ParamsNames = ["name"u8.ToArray(), "arguments"u8.ToArray(), "_meta"u8.ToArray(), "uri"u8.ToArray(), "cursor"u8.ToArray()];
    private static readonly byte[][] MetaNames = ["progressToken"u8.ToArray(), "io.modelcontextprotocol/protocolVersion"u8.ToArray()];

    /// <summary>The names one object has given so far: the usual ones as bits, any other as a string.</summary>
    private struct Members
    {
        private int _seen;
        private HashSet<string>? _others;

        /// <summary>The name at <paramref name="reader"/> when this object has already given it; else null (and it is noted).</summary>
        public string? Repeats(ref Utf8JsonReader reader, byte[][] usual)
        {
            for (var i = 0; i < usual.Length; i++)
            {
                if (reader.ValueTextEquals(usual[i]))
                {
                    var bit = 1 << i;
                    if ((_seen & bit) != 0)
                    {
                        return reader.GetString();
                    }

                    _seen |= bit;
                    return null;
                }
            }

            var name = reader.GetString()!;
            return (_others ??= new HashSet<string>(StringComparer.Ordinal)).Add(name) ? null : name;
        }
    }

    /// <summary>
    /// The JSON-RPC error, in the shape the SDK answers a message it cannot read with (400, JSON, no id) or, for invalid
    /// params, answers a call with (200, one server-sent event, the call's id).
    /// </summary>
    private static async Task RefuseAsync(HttpResponse response, Refusal refusal, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var answersCall = refusal.Status == StatusCodes.Status200OK;
        if (answersCall)
        {
            buffer.Write("event: message\ndata: "u8);
        }

        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error"u8);
            writer.WriteNumber("code"u8, refusal.Code);
            writer.WriteString("message"u8, refusal.Message);
            writer.WriteEndObject();
            writer.WritePropertyName("id"u8);
            if (refusal.RawId is { } id)
            {
                writer.WriteRawValue(id, skipInputValidation: true);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteString("jsonrpc"u8, "2.0"u8);
            writer.WriteEndObject();
        }

        if (answersCall)
        {
            buffer.Write("\n\n"u8);
            response.Headers.CacheControl = "no-cache,no-store";
        }

        response.StatusCode = refusal.Status;
        response.ContentType = answersCall ? "text/event-stream" : "application/json; charset=utf-8";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }
}
