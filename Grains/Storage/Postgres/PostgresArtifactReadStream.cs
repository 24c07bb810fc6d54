using System.Buffers;
using Npgsql;

namespace OrleansMl.Storage.Postgres;

/// <summary>
/// Reads one artifact chunk by chunk, fetching each chunk only when the reader reaches it: memory stays at one chunk
/// whatever the artifact's size, and no connection is held between chunks. Supports synchronous reads because the CSV
/// parser reads synchronously on a worker thread.
/// </summary>
internal sealed class PostgresArtifactReadStream : Stream
{
    private const string ChunkQuery = "SELECT data FROM orleansml_blob_chunks WHERE blob_id = @blob AND seq = @seq";

    private readonly NpgsqlDataSource _dataSource;
    private readonly Guid _blobId;
    private readonly int _chunkCount;
    private readonly string _hash;
    private byte[] _buffer;
    private int _bufferLength;
    private int _bufferOffset;
    private int _nextChunk;
    private long _position;

    public PostgresArtifactReadStream(NpgsqlDataSource dataSource, string hash, Guid blobId, long length, int chunkCount)
    {
        _dataSource = dataSource;
        _hash = hash;
        _blobId = blobId;
        _chunkCount = chunkCount;
        ArtifactLength = length;
        _buffer = ArrayPool<byte>.Shared.Rent(PostgresArtifactStore.ChunkBytes);
    }

    /// <summary>The artifact's size in bytes (the stream cannot seek, so <see cref="Length"/> is not available).</summary>
    public long ArtifactLength { get; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_bufferOffset == _bufferLength && !FetchNext())
        {
            return 0;
        }

        return Drain(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_bufferOffset == _bufferLength && !await FetchNextAsync(cancellationToken))
        {
            return 0;
        }

        return Drain(buffer.Span);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        base.Dispose(disposing);
    }

    private int Drain(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _bufferLength - _bufferOffset);
        _buffer.AsSpan(_bufferOffset, count).CopyTo(destination);
        _bufferOffset += count;
        _position += count;
        return count;
    }

    private bool FetchNext()
    {
        if (!HasMoreChunks())
        {
            return false;
        }

        using var command = ChunkCommand();
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw MissingChunk();
        }

        Fill(reader);
        return true;
    }

    private async ValueTask<bool> FetchNextAsync(CancellationToken cancellationToken)
    {
        if (!HasMoreChunks())
        {
            return false;
        }

        await using var command = ChunkCommand();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw MissingChunk();
        }

        Fill(reader);
        return true;
    }

    private bool HasMoreChunks()
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        if (_nextChunk < _chunkCount)
        {
            return true;
        }

        if (_position != ArtifactLength)
        {
            throw new IOException($"Artifact {_hash} ended after {_position} of its {ArtifactLength} bytes.");
        }

        return false;
    }

    private NpgsqlCommand ChunkCommand()
    {
        var command = _dataSource.CreateCommand(ChunkQuery);
        command.Parameters.AddWithValue("blob", _blobId);
        command.Parameters.AddWithValue("seq", _nextChunk);
        return command;
    }

    private IOException MissingChunk() => new($"Chunk {_nextChunk} of artifact {_hash} is missing from the database.");

    private void Fill(NpgsqlDataReader reader)
    {
        var size = (int)reader.GetBytes(0, 0, null, 0, 0);
        if (size > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(size);
        }

        _bufferLength = (int)reader.GetBytes(0, 0, _buffer, 0, size);
        _bufferOffset = 0;
        _nextChunk++;
    }
}
