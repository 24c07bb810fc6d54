using System.Buffers;
using System.Text.Json;
using OrleansMl.Ml;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// The body of a POST to <c>/mcp</c>, read once before anything answers it, and the one check only the raw JSON allows:
/// a JSON-RPC message that names a member twice (<c>{"method": "ping", "method": "tools/call", ...}</c>). The SDK reads
/// such a message keeping the last value, so the call that ran was not the one the first reading of the body shows;
/// it is refused instead, as an invalid request naming the member. Names inside <c>params</c> are checked where the SDK
/// has parsed them (<see cref="RequestParamsFilter"/>).
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
            if (RepeatedMember(body.Span) is { } name)
            {
                await RefuseAsync(context.Response, name, context.RequestAborted);
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

    /// <summary>
    /// The first name a JSON object body gives twice among its own members; null when it gives none, or when the body
    /// is not one JSON object (the SDK answers what it cannot read, and batches, as it does).
    /// </summary>
    internal static string? RepeatedMember(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });

        // The message's own members are compared where they lie (every call has them: nothing to allocate per request);
        // any other name, rare, is kept as a string.
        var seen = 0;
        HashSet<string>? others = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var member = reader.ValueTextEquals("jsonrpc"u8) ? 1
                    : reader.ValueTextEquals("id"u8) ? 2
                    : reader.ValueTextEquals("method"u8) ? 4
                    : reader.ValueTextEquals("params"u8) ? 8
                    : 0;
                if (member != 0 && (seen & member) != 0)
                {
                    return reader.GetString();
                }

                seen |= member;
                if (member == 0 && !(others ??= new HashSet<string>(StringComparer.Ordinal)).Add(reader.GetString()!))
                {
                    return reader.GetString();
                }

                if (!reader.Read() || !reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the SDK says so in its own words.
        }

        return null;
    }

    /// <summary>The JSON-RPC "invalid request" error, in the shape the SDK answers a message it cannot read with.</summary>
    private static async Task RefuseAsync(HttpResponse response, string name, CancellationToken cancellationToken)
    {
        var message = $"The JSON-RPC message names '{NameList.Cut(name)}' twice; send each name once.";
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error"u8);
            writer.WriteNumber("code"u8, -32600);
            writer.WriteString("message"u8, message);
            writer.WriteEndObject();
            writer.WriteNull("id"u8);
            writer.WriteString("jsonrpc"u8, "2.0"u8);
            writer.WriteEndObject();
        }

        response.StatusCode = StatusCodes.Status400BadRequest;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken);
    }
}
