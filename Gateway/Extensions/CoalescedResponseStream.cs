using System.Buffers;

namespace OrleansMl.Gateway.Extensions;

/// <summary>
/// The response body of an MCP POST, held back for at most <see cref="Window"/> so that an answer that is ready at once
/// leaves in one write, with its length: the MCP SDK flushes the response headers before a call runs, then writes and
/// flushes the answer's event, and the response then ends its chunked body, which makes three packets (three sends,
/// three wake-ups of the client) of an answer that takes microseconds. When the request ends within the window, what
/// was written goes out at once with a Content-Length; after the window, what is held is written and flushed and
/// everything passes straight through, so the progress notifications of a long call still stream as they come.
/// The bytes are the same either way.
/// </summary>
internal sealed class CoalescedResponseStream : Stream
{
    /// <summary>How long writes are held at most.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(50);

    private readonly HttpResponse _response;
    private readonly Stream _inner;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[] _held = [];
    private int _length;
    private bool _passThrough;
    private Timer? _timer;

    public CoalescedResponseStream(HttpResponse response, Stream inner)
    {
        _response = response;
        _inner = inner;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Runs <paramref name="next"/> with the response body held as described above.</summary>
    public static async Task RunAsync(HttpContext context, RequestDelegate next)
    {
        var original = context.Response.Body;
        var held = new CoalescedResponseStream(context.Response, original);
        context.Response.Body = held;
        try
        {
            await next(context);
            await held.ReleaseAsync(complete: true, context.RequestAborted);
        }
        finally
        {
            context.Response.Body = original;
            await held.DisposeAsync();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_passThrough)
            {
                await _inner.WriteAsync(buffer, cancellationToken);
                return;
            }

            Hold(buffer.Span);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _gate.Wait();
        try
        {
            if (_passThrough)
            {
                _inner.Write(buffer);
                return;
            }

            Hold(buffer);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_passThrough)
            {
                await _inner.FlushAsync(cancellationToken);
                return;
            }

            // The first flush starts the window; what is held goes out when the request ends or the window closes.
            _timer ??= new Timer(static state => _ = ((CoalescedResponseStream)state!).ReleaseAsync(complete: false, CancellationToken.None), this, Window, Timeout.InfiniteTimeSpan);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Flush()
    {
        // Only synchronous writers call this, and none holds a response open: what is held goes out when the request ends.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_timer is not null)
            {
                await _timer.DisposeAsync();
                _timer = null;
            }

            ReturnHeld();
            _passThrough = true;
        }
        finally
        {
            _gate.Release();
        }

        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timer?.Dispose();
            _timer = null;
            ReturnHeld();
            _passThrough = true;
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Writes what is held and passes everything through from now on. When the request is complete and nothing was sent
    /// yet, the answer's length is known: it goes with the headers instead of a chunked body.
    /// </summary>
    private async Task ReleaseAsync(bool complete, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_passThrough)
            {
                return;
            }

            _passThrough = true;
            if (complete && !_response.HasStarted && _response.ContentLength is null)
            {
                _response.ContentLength = _length;
            }

            if (_length > 0)
            {
                await _inner.WriteAsync(_held.AsMemory(0, _length), cancellationToken);
            }

            if (!complete)
            {
                await _inner.FlushAsync(cancellationToken);
            }
        }
        catch (Exception) when (!complete)
        {
            // The client went away while the window closed: the request's own writes see the same error.
        }
        finally
        {
            ReturnHeld();
            _gate.Release();
        }
    }

    private void Hold(ReadOnlySpan<byte> data)
    {
        if (_length + data.Length > _held.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_length + data.Length, Math.Max(1024, _held.Length * 2)));
            _held.AsSpan(0, _length).CopyTo(grown);
            ReturnHeld();
            _held = grown;
        }

        data.CopyTo(_held.AsSpan(_length));
        _length += data.Length;
    }

    private void ReturnHeld()
    {
        if (_held.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_held);
        }

        _held = [];
    }
}
