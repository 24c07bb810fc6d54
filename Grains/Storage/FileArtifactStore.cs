using System.Security.Cryptography;

namespace OrleansMl.Storage;

/// <summary>
/// The embedded-mode artifact store: files under <c>{DataDirectory}/artifacts</c>, named by their SHA-256.
/// Writes go to a temporary file that is flushed to disk and then renamed, so a crash never leaves a partial object.
/// </summary>
public sealed class FileArtifactStore : IArtifactStore
{
    private readonly string _objects;
    private readonly string _staging;

    public FileArtifactStore(string root)
    {
        _objects = Path.Combine(root, "objects");
        _staging = Path.Combine(root, "staging");
        Directory.CreateDirectory(_objects);
        Directory.CreateDirectory(_staging);
    }

    public async Task<UploadReceipt> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var path = ObjectPath(hash);
        if (!File.Exists(path))
        {
            var temp = Path.Combine(_staging, $"{Guid.NewGuid():N}.tmp");
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await file.WriteAsync(content, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            Publish(temp, path);
        }

        return new UploadReceipt(hash, content.Length);
    }

    public Task<Stream> OpenReadAsync(string hash, CancellationToken cancellationToken = default)
    {
        var path = ObjectPath(hash);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Artifact {hash} is not in the store.", path);
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
    }

    public async Task<long> AppendStagedAsync(Guid uploadId, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(StagedPath(uploadId), FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await file.WriteAsync(chunk, cancellationToken);
        return file.Length;
    }

    public async Task<UploadReceipt> CommitStagedAsync(Guid uploadId, CancellationToken cancellationToken = default)
    {
        var staged = StagedPath(uploadId);
        if (!File.Exists(staged))
        {
            // An upload of zero bytes never appended anything.
            await File.WriteAllBytesAsync(staged, [], cancellationToken);
        }

        string hash;
        long size;
        await using (var file = new FileStream(staged, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true))
        {
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
            size = file.Length;
            file.Flush(flushToDisk: true);
        }

        var path = ObjectPath(hash);
        if (File.Exists(path))
        {
            File.Delete(staged);
        }
        else
        {
            Publish(staged, path);
        }

        return new UploadReceipt(hash, size);
    }

    public Task DeleteStagedAsync(Guid uploadId, CancellationToken cancellationToken = default)
    {
        File.Delete(StagedPath(uploadId));
        return Task.CompletedTask;
    }

    private static void Publish(string temp, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            File.Move(temp, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another writer published identical content first.
            File.Delete(temp);
        }
    }

    private string ObjectPath(string hash)
    {
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new ArgumentException($"'{hash}' is not a SHA-256 content address.", nameof(hash));
        }

        return Path.Combine(_objects, hash[..2], hash);
    }

    private string StagedPath(Guid uploadId) => Path.Combine(_staging, $"{uploadId:N}.upload");
}
