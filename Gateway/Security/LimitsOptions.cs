using System.ComponentModel.DataAnnotations;

namespace OrleansMl.Gateway.Security;

/// <summary>Rate limits per credential, and the gateway's concurrent uploads (section <c>OrleansMl:Limits</c>; environment variables <c>OrleansMl__Limits__Name</c>).</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "OrleansMl:Limits";

    /// <summary>
    /// Requests per second for each key, token subject, or (without credentials) remote address; bursts up to one second's
    /// worth (<c>OrleansMl__Limits__RequestsPerSecond</c>). 0 (default) turns the limit off.
    /// </summary>
    [Range(0, 10_000_000, ErrorMessage = "OrleansMl:Limits:RequestsPerSecond must be 0 (off) or more; set OrleansMl__Limits__RequestsPerSecond.")]
    public int RequestsPerSecond { get; set; }

    /// <summary>
    /// Dataset uploads and training requests per minute for each credential, over REST and MCP together
    /// (<c>OrleansMl__Limits__TrainingRequestsPerMinute</c>). 0 (default) turns the limit off.
    /// </summary>
    [Range(0, 1_000_000, ErrorMessage = "OrleansMl:Limits:TrainingRequestsPerMinute must be 0 (off) or more; set OrleansMl__Limits__TrainingRequestsPerMinute.")]
    public int TrainingRequestsPerMinute { get; set; }

    /// <summary>
    /// Dataset uploads and row appends one gateway receives at once, from all callers together
    /// (<c>OrleansMl__Limits__ConcurrentUploads</c>); one more is answered 503 with Retry-After. Each holds up to a 1 MiB
    /// buffer while its body arrives. 0 turns the limit off.
    /// </summary>
    [Range(0, 100_000, ErrorMessage = "OrleansMl:Limits:ConcurrentUploads must be 0 (off) or more; set OrleansMl__Limits__ConcurrentUploads.")]
    public int ConcurrentUploads { get; set; } = 64;

    /// <summary>
    /// Of those, how many one caller (key, token subject, or without credentials remote address) may have open at once
    /// (<c>OrleansMl__Limits__ConcurrentUploadsPerCaller</c>); one more is answered 429 with Retry-After. 0 turns the
    /// limit off.
    /// </summary>
    [Range(0, 100_000, ErrorMessage = "OrleansMl:Limits:ConcurrentUploadsPerCaller must be 0 (off) or more; set OrleansMl__Limits__ConcurrentUploadsPerCaller.")]
    public int ConcurrentUploadsPerCaller { get; set; } = 16;
}
