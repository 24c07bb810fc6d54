using System.Text.RegularExpressions;
using ModelContextProtocol;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// The cluster words its refusals of a rollout, a guard or a schedule once, in the REST body's nested field names
/// (<c>guard.maxDrop</c>, <c>stepAfter.samples</c>); a tool takes those fields as flat arguments (<c>guardMaxDrop</c>).
/// A tool's refusal names the argument its caller passed.
/// </summary>
internal sealed partial class ArgumentNames
{
    private static readonly (string Field, string Suffix)[] Guard =
        [("guard.metric", "Metric"), ("guard.maxDrop", "MaxDrop"), ("guard.max", "Max"), ("guard.minSamples", "MinSamples")];

    private readonly Dictionary<string, string> _names;

    private ArgumentNames(IEnumerable<(string Field, string Argument)> names) =>
        _names = names.ToDictionary(n => n.Field, n => n.Argument, StringComparer.Ordinal);

    /// <summary><c>start_rollout</c>: <c>stepAfterSamples</c>, <c>stepAfterSeconds</c>, <c>guardMetric</c>, ...</summary>
    public static ArgumentNames Rollout { get; } = new(
        [("stepAfter.samples", "stepAfterSamples"), ("stepAfter.duration", "stepAfterSeconds"), .. Guard.Select(g => (g.Field, "guard" + g.Suffix))]);

    /// <summary><c>set_schedule</c>: <c>rolloutStepAfterSamples</c>, <c>rolloutStepAfterSeconds</c>, <c>guardMetric</c>, ...</summary>
    public static ArgumentNames Schedule { get; } = new(
        [("stepAfter.samples", "rolloutStepAfterSamples"), ("stepAfter.duration", "rolloutStepAfterSeconds"), .. Guard.Select(g => (g.Field, "guard" + g.Suffix))]);

    /// <summary><c>set_alias_guard</c>: <c>metric</c>, <c>maxDrop</c>, <c>max</c>, <c>minSamples</c>.</summary>
    public static ArgumentNames AliasGuard { get; } = new(Guard.Select(g => (g.Field, char.ToLowerInvariant(g.Suffix[0]) + g.Suffix[1..])));

    /// <summary>The message with each nested field name this tool takes as an argument replaced by the argument's name.</summary>
    public string In(string message) => NestedField().Replace(message, m => _names.GetValueOrDefault(m.Value, m.Value));

    /// <summary>Reads arguments into contract types as <see cref="ToolArguments.Read{T}"/> does, naming this tool's arguments.</summary>
    public T Read<T>(Func<T> read)
    {
        try
        {
            return ToolArguments.Read(read);
        }
        catch (McpProtocolException ex)
        {
            throw new McpProtocolException(In(ex.Message), ex.ErrorCode);
        }
    }

    /// <summary>Calls the cluster; a refusal of the rollout, guard or schedule names this tool's arguments.</summary>
    public async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call();
        }
        catch (InvalidRolloutException ex)
        {
            throw new InvalidRolloutException(In(ex.Message));
        }
        catch (InvalidScheduleException ex)
        {
            throw new InvalidScheduleException(In(ex.Message));
        }
    }

    /// <summary>A nested field name: <c>guard.</c> or <c>stepAfter.</c> and the field, not inside a longer word or path.</summary>
    [GeneratedRegex(@"(?<![\w.])(?:guard|stepAfter)\.\w+")]
    private static partial Regex NestedField();
}
