using System.Globalization;
using System.Security.Cryptography;

namespace OrleansMl.Storage;

/// <summary>
/// The embedded-mode artifact store: files under <c>{DataDirectory}/artifacts</c>, named by their SHA-256.
/// Writes go to a temporary file that is flushed to disk and then renamed, so a crash never leaves a partial object.
/// References are empty files <c>refs/{hash}/{owner}</c> (<c>.pending</c> until confirmed); the folder of a hash exists
/// from its first reference on, so content whose folder is empty was released and may go, while content without a
/// folder was stored before references existed and stays. One process uses a data directory, so a lock per hash in
/// this process orders a release against a new reference to the same content.
/// </summary>
public sealed class FileArtifactStore : IArtifactStore
{
    private const string Pending = ".pending";
    private const int LockStripes = 64;

    // Per process: silos that share a data directory (tests) share these too.
    private static readonly Lock[] Stripes = [.. Enumerable.Range(0, LockStripes).Select(_ => new Lock())];

    private readonly string _root;
    private readonly string _objects;
    private readonly string _staging;
    private readonly string _refs;
    private readonly long _minFreeBytes;
    private readonly TimeProvider _time;

    public FileArtifactStore(string root, long minFreeBytes = 0, TimeProvider? time = null)
    {
        _root = root;
        _objects = Path.Combine(root, "objects");
        _staging = Path.Combine(root, "staging");
        _refs = Path.Combine(root, "refs");
        _minFreeBytes = minFreeBytes;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(_objects);
        Directory.CreateDirectory(_staging);
        Directory.CreateDirectory(_refs);
    }

    public async Task<UploadReceipt> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var path = ObjectPath(hash);
        if (!File.Exists(path))
        {
            EnsureSpace();
            var temp = Path.Combine(_staging, $"{Guid.NewGuid():N}.tmp");
            try
            {
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    await file.WriteAsync(content, cancellationToken);
                    file.Flush(flushToDisk: true);
                }

                Publish(temp, path);
            }
            finally
            {
                File.Delete(temp);
            }
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

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true));
    }

    public async Task<long> AppendStagedAsync(Guid uploadId, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken = default)
    {
        EnsureSpace();
        await using var file = new FileStream(StagedPath(uploadId), FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await file.WriteAsync(chunk, cancellationToken);
        return file.Length;
    }

    public async Task<UploadReceipt> SealStagedAsync(Guid uploadId, CancellationToken cancellationToken = default)
    {
        var staged = StagedPath(uploadId);
        if (!File.Exists(staged))
        {
            // An upload of zero bytes never appended anything.
            await File.WriteAllBytesAsync(staged, [], cancellationToken);
        }

        await using var file = new FileStream(staged, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return new UploadReceipt(Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken)), file.Length);
    }

    public Task<Stream> OpenStagedAsync(Guid uploadId, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new FileStream(StagedPath(uploadId), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));

    public Task CommitStagedAsync(Guid uploadId, UploadReceipt sealedAs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sealedAs);
        var staged = StagedPath(uploadId);
        using (var file = new FileStream(staged, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            file.Flush(flushToDisk: true);
        }

        var path = ObjectPath(sealedAs.ContentHash);
        if (File.Exists(path))
        {
            File.Delete(staged);
        }
        else
        {
            Publish(staged, path);
        }

        return Task.CompletedTask;
    }

    public Task DeleteStagedAsync(Guid uploadId, CancellationToken cancellationToken = default)
    {
        File.Delete(StagedPath(uploadId));
        return Task.CompletedTask;
    }

    public Task AddReferenceAsync(string hash, string owner, CancellationToken cancellationToken = default)
    {
        var folder = RefsFolder(hash);
        var file = RefPath(hash, owner);
        lock (Stripe(hash))
        {
            Directory.CreateDirectory(folder);
            if (File.Exists(file))
            {
                return Task.CompletedTask; // Confirmed already: stays confirmed.
            }

            // Created anew, or touched: the sweep checks an unconfirmed reference only once it is old.
            File.WriteAllBytes(file + Pending, []);
            File.SetLastWriteTimeUtc(file + Pending, _time.GetUtcNow().UtcDateTime);
        }

        return Task.CompletedTask;
    }

    public Task ConfirmReferenceAsync(string hash, string owner, CancellationToken cancellationToken = default)
    {
        var file = RefPath(hash, owner);
        lock (Stripe(hash))
        {
            if (File.Exists(file + Pending))
            {
                File.Move(file + Pending, file, overwrite: true);
            }
            else if (!File.Exists(file))
            {
                throw new InvalidOperationException($"There is no reference of {owner} to artifact {hash} to confirm.");
            }
        }

        return Task.CompletedTask;
    }

    public Task<bool> ReleaseReferenceAsync(string hash, string owner, CancellationToken cancellationToken = default)
    {
        var file = RefPath(hash, owner);
        lock (Stripe(hash))
        {
            var existed = Delete(file) | Delete(file + Pending);
            return Task.FromResult(existed && DeleteIfUnreferenced(hash));
        }
    }

    public Task<IReadOnlyList<ArtifactReference>> GetUnconfirmedReferencesAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        var before = _time.GetUtcNow() - olderThan;
        var found = new List<ArtifactReference>();
        foreach (var folder in Directory.EnumerateDirectories(_refs, "*", SearchOption.AllDirectories).Where(IsHashFolder))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*" + Pending))
            {
                var updated = new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero);
                if (updated < before)
                {
                    var name = Path.GetFileName(file);
                    found.Add(new ArtifactReference(Path.GetFileName(folder), Unescape(name[..^Pending.Length]), updated));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<ArtifactReference>>(found);
    }

    public Task<int> SweepAsync(TimeSpan idleFor, CancellationToken cancellationToken = default)
    {
        var before = _time.GetUtcNow().UtcDateTime - idleFor;
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(_staging))
        {
            if (File.GetLastWriteTimeUtc(file) < before && Delete(file))
            {
                removed++;
            }
        }

        // Content whose last reference was released but not deleted (the process stopped in between).
        foreach (var folder in Directory.EnumerateDirectories(_refs, "*", SearchOption.AllDirectories).Where(IsHashFolder).ToList())
        {
            var hash = Path.GetFileName(folder);
            lock (Stripe(hash))
            {
                if (DeleteIfUnreferenced(hash))
                {
                    removed++;
                }
            }
        }

        return Task.FromResult(removed);
    }

    public Task<ArtifactStoreUsage> GetUsageAsync(CancellationToken cancellationToken = default)
    {
        var objects = Directory.EnumerateFiles(_objects, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f).Length).ToList();
        var staged = Directory.EnumerateFiles(_staging).Select(f => new FileInfo(f).Length).ToList();
        var references = Directory.EnumerateFiles(_refs, "*", SearchOption.AllDirectories).Count();
        return Task.FromResult(new ArtifactStoreUsage(objects.Count, objects.Sum(), staged.Count, staged.Sum(), references));
    }

    /// <summary>Deletes the content and its reference folder when the folder holds no reference; call under the hash's lock.</summary>
    private bool DeleteIfUnreferenced(string hash)
    {
        var folder = RefsFolder(hash);
        if (!Directory.Exists(folder) || Directory.EnumerateFileSystemEntries(folder).Any())
        {
            return false;
        }

        var deleted = Delete(ObjectPath(hash));
        Directory.Delete(folder);
        return deleted;
    }

    /// <summary>Refuses a write while the disk holding the store has less free space than the configured minimum.</summary>
    private void EnsureSpace()
    {
        if (_minFreeBytes <= 0)
        {
            return;
        }

        var free = new DriveInfo(_root).AvailableFreeSpace;
        if (free < _minFreeBytes)
        {
            throw new InsufficientStorageException(string.Create(CultureInfo.InvariantCulture,
                $"The data directory's disk has {free >> 20} MB free, less than the {_minFreeBytes >> 20} MB kept free (OrleansMl__MinFreeDiskMegabytes). "
                + $"Nothing was stored. Delete dataset or model versions that are no longer needed, or free disk space, then try again."));
        }
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

    private static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    private static Lock Stripe(string hash) => Stripes[Convert.ToInt32(hash[..2], 16) % LockStripes];

    private static bool IsHashFolder(string folder) => IsHash(Path.GetFileName(folder));

    private static bool IsHash(string hash) => hash.Length == 64 && hash.All(char.IsAsciiHexDigitLower);

    private string ObjectPath(string hash) => Path.Combine(_objects, Checked(hash)[..2], hash);

    private string RefsFolder(string hash) => Path.Combine(_refs, Checked(hash)[..2], hash);

    private string RefPath(string hash, string owner) => Path.Combine(RefsFolder(hash), Escape(owner));

    private string StagedPath(Guid uploadId) => Path.Combine(_staging, $"{uploadId:N}.upload");

    private static string Checked(string hash) => IsHash(hash)
        ? hash
        : throw new ArgumentException($"'{hash}' is not a SHA-256 content address.", nameof(hash));

    // Owner names hold ASCII letters, digits, '.', '_', '-' and '/'; '~' stands for '/' in a file name.
    private static string Escape(string owner) => ArtifactOwners.TryParse(owner, out _, out _, out _)
        ? owner.Replace('/', '~')
        : throw new ArgumentException($"'{owner}' is not an artifact owner name.", nameof(owner));

    private static string Unescape(string name) => name.Replace('~', '/');
}
