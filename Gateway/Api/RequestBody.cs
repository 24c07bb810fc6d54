using System.Buffers;

namespace OrleansMl.Gateway.Api;

/// <summary>A request body read whole into a pooled buffer (returned on dispose), for routes that parse it themselves.</summary>
public sealed class RequestBody : IDisposable
{
    private byte[] _buffer;
    private int _length;

    private RequestBody(int capacity) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 512));

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    /// <summary>
    /// Reads the body of a JSON request (415 for another content type); the server's body size limit applies (413).
    /// The body is consumed as it arrives, so a large one never stalls the connection's buffer.
    /// </summary>
    public static async Task<RequestBody> ReadJsonAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!http.Request.HasJsonContentType())
        {
            throw new BadHttpRequestException(
                $"The request body must be JSON (Content-Type: application/json); got '{http.Request.ContentType ?? "none"}'.",
                StatusCodes.Status415UnsupportedMediaType);
        }

        return await ReadAsync(http);
    }

    /// <summary>Reads the body whatever its content type (for routes that answer every error in their own shape).</summary>
    public static async Task<RequestBody> ReadAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var body = new RequestBody((int)Math.Min(http.Request.ContentLength ?? 0, 1 << 20));
        try
        {
            var reader = http.Request.BodyReader;
            while (true)
            {
                var read = await reader.ReadAsync(http.RequestAborted);
                body.Append(read.Buffer);
                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    return body;
                }
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Append(ReadOnlySequence<byte> data)
    {
        if (_length + data.Length > _buffer.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent((int)Math.Max(_buffer.Length * 2L, _length + data.Length));
            _buffer.AsSpan(0, _length).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = grown;
        }

        data.CopyTo(_buffer.AsSpan(_length));
        _length += (int)data.Length;
    }
}
