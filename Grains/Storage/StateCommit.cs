using Microsoft.Extensions.Logging;

namespace OrleansMl.Storage;

/// <summary>
/// How every grain changes its stored state: it builds the next state, writes it, and only once the write succeeded
/// makes it current (its reads use their own committed copy, never <see cref="IPersistentState{TState}.State"/>).
/// A write that fails changes nothing: the storage object gets its previous state back, the activation is deactivated
/// (its ETag may be stale; the next activation reads the truth) and the caller gets a
/// <see cref="StorageUnavailableException"/> saying nothing was changed.
/// </summary>
public static partial class StateCommit
{
    /// <summary>Writes <paramref name="next"/>; see the type's remarks for what a failure does.</summary>
    /// <param name="what">What is being changed, for the message: "model 'churn'", "dataset 'churn'".</param>
    public static async Task CommitAsync<T>(this IPersistentState<T> storage, T next, IGrainBase grain, ILogger logger, string what)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(grain);
        var previous = storage.State;
        storage.State = next;
        try
        {
            await storage.WriteStateAsync();
        }
        catch (Exception ex)
        {
            storage.State = previous;
            grain.DeactivateOnIdle();
            LogWriteFailed(logger, ex, what);
            throw new StorageUnavailableException(
                $"The change to {what} was not made: the grain storage did not accept the write. Nothing was changed; try again in a few seconds.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the state of {What} failed; the change was not made and the activation is deactivated")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string what);
}
