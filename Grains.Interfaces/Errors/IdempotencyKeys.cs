namespace OrleansMl;

/// <summary>
/// What an idempotency key may be (the <c>Idempotency-Key</c> header of a training or an append, MCP's
/// <c>requestId</c>): the one rule the gateway checks on arrival and the grains that remember the keys check again.
/// </summary>
public static class IdempotencyKeys
{
    /// <summary>The longest key accepted.</summary>
    public const int MaxLength = 200;

    /// <summary>Why <paramref name="key"/> cannot be an idempotency key, or null when it can.</summary>
    public static string? Problem(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Length is 0 or > MaxLength || key.Any(c => c is < '!' or > '~')
            ? $"The idempotency key must be 1-{MaxLength} printable ASCII characters without spaces (got {key.Length} characters)."
            : null;
    }

    /// <summary>
    /// Why the values of an <c>Idempotency-Key</c> header cannot be a key, or null when there is at most one valid key.
    /// Two header lines would otherwise be read as one key joined by a comma.
    /// </summary>
    public static string? HeaderProblem(IReadOnlyCollection<string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Count switch
        {
            0 => null,
            1 => Problem(values.First() ?? string.Empty),
            _ => $"The Idempotency-Key header is given {values.Count} times; send one key.",
        };
    }
}
