namespace OrleansMl.Hosting;

/// <summary>
/// Holds a lock on the embedded data directory for as long as the silo runs, so a second gateway or silo
/// started on the same folder (with other ports) stops at once instead of serving the same models and datasets as its
/// own, each silo with its own copies of the grains in memory and both writing one SQLite database. The lock is the
/// operating system's (on <c>orleansml.lock</c>): it goes with the process, however the process ends.
/// </summary>
internal sealed class DataDirectoryLock(Microsoft.Extensions.Options.IOptions<OrleansMlOptions> options)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    public const string FileName = "orleansml.lock";

    private FileStream? _held;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(DataDirectoryLock),
            ServiceLifecycleStage.First,
            _ =>
            {
                _held = Acquire(options.Value.CreateDataDirectory());
                return Task.CompletedTask;
            },
            _ =>
            {
                Dispose();
                return Task.CompletedTask;
            });

    /// <summary>Opens the lock file and locks it for this process; another process holding the lock is a <see cref="SettingException"/>.</summary>
    internal static FileStream Acquire(string directory)
    {
        // A record lock on the file's first byte (fcntl on Linux, LockFile on Windows) rather than an exclusive open: it
        // conflicts only with another process's lock, so the file stays readable, like every other file of the folder.
        var stream = new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (OperatingSystem.IsMacOS())
        {
            return stream; // .NET has no record locks there: a development machine goes unchecked.
        }

        try
        {
            stream.Lock(0, 1);
            return stream;
        }
        catch (IOException error)
        {
            stream.Dispose();
            throw new SettingException(
                $"OrleansMl:DataDirectory '{directory}' is in use by another OrleansMl gateway or silo ({error.Message}); two processes on one "
                + "data directory would each serve its models as their own. Stop the other process, or set OrleansMl__DataDirectory to another folder.",
                error);
        }
    }

    public void Dispose()
    {
        _held?.Dispose();
        _held = null;
    }
}
