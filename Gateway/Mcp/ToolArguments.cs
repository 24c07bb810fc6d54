using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Reading tool arguments into contract types. A mistake found here is the caller's malformed request, so it
/// becomes a JSON-RPC "invalid params" error; errors raised later by the cluster are tool errors the model can act on.
/// </summary>
internal static class ToolArguments
{
    public static T Read<T>(Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read();
        }
        catch (OrleansMlException ex)
        {
            throw new McpProtocolException(ex.Message, McpErrorCode.InvalidParams);
        }
    }

    /// <summary>The async form of <see cref="Read{T}"/>.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return await read();
        }
        catch (OrleansMlException ex)
        {
            throw new McpProtocolException(ex.Message, McpErrorCode.InvalidParams);
        }
    }

    /// <summary>
    /// A page of a listing: a limit or cursor the listing refuses is the caller's malformed request; any other error is
    /// the cluster's, and stays a tool error.
    /// </summary>
    public static async Task<T> PageAsync<T>(Func<Task<T>> list)
    {
        ArgumentNullException.ThrowIfNull(list);
        try
        {
            return await list();
        }
        catch (InvalidListRequestException ex)
        {
            throw new McpProtocolException(ex.Message, McpErrorCode.InvalidParams);
        }
    }

    public static string Name(string? value, string what) => Read(() => Names.Validate(value, what));

    public static int Version(int value, string argument = "version") => Read(() => VersionNumbers.Validate(value, argument));

    public static int? Version(int? value, string argument = "version") => value is { } v ? Version(v, argument) : null;

    /// <summary>
    /// A number of seconds as a time span. One beyond what a time span holds (about 29,000 years either way) is the caller's malformed
    /// argument, named; a negative one is left to the check that knows whether the field may be negative.
    /// </summary>
    public static TimeSpan? Seconds(double? seconds, string argument)
    {
        if (seconds is not { } s)
        {
            return null;
        }

        try
        {
            return TimeSpan.FromSeconds(s);
        }
        catch (OverflowException)
        {
            throw new McpProtocolException(
                $"{argument} {s.ToString(CultureInfo.InvariantCulture)} is out of range: give a number of seconds from 0 to {((long)TimeSpan.MaxValue.TotalSeconds).ToString(CultureInfo.InvariantCulture)}.",
                McpErrorCode.InvalidParams);
        }
    }
}
