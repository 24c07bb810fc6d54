using Microsoft.Extensions.Logging;

namespace OrleansMl.Audit;

/// <summary>
/// How grains record a change in the audit log: the grain that made the change, after its own write succeeded, and
/// best effort. The change is already stored, with its author, in the grain that owns it (alias history, version and
/// dataset records, the key registry); failing the caller's request over the log would report a failure for a change
/// that happened, so a failed append is logged instead.
/// </summary>
public static partial class AuditTrail
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task RecordAsync(
        IGrainFactory grains, ILogger logger, string action, string target, string? from = null, string? to = null, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(logger);
        try
        {
            await grains.GetGrain<IAuditLogGrain>(IAuditLogGrain.Key)
                .AppendAsync(new AuditChange(Caller.Name, action, target, from, to, detail))
                .WaitAsync(Timeout);
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex, action, target, Caller.Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change {Action} of {Target} by {By} is stored but could not be added to the audit log")]
    private static partial void LogFailed(ILogger logger, Exception exception, string action, string target, string? by);
}
