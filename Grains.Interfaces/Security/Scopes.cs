using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// What an API key or token may do. <c>read</c>: every read (REST GETs, read-only MCP tools, resources, prompts,
/// completions); <c>predict</c>: predictions; <c>train</c>: upload datasets, train, cancel; <c>deploy</c>: promote and
/// roll back aliases; <c>admin</c>: keys, the audit of key changes, and everything the other scopes allow.
/// </summary>
public static class Scopes
{
    /// <summary>Every read.</summary>
    public const string Read = "read";

    /// <summary>Predictions.</summary>
    public const string Predict = "predict";

    /// <summary>Dataset uploads, training and cancelling.</summary>
    public const string Train = "train";

    /// <summary>Promotion and rollback of aliases.</summary>
    public const string Deploy = "deploy";

    /// <summary>Keys, and everything else.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope, in the order above.</summary>
    public static ImmutableArray<string> All { get; } = [Read, Predict, Train, Deploy, Admin];

    /// <summary>True when <paramref name="scope"/> is one of <see cref="All"/> (exact, lower case).</summary>
    public static bool IsValid(string? scope) => scope is not null && All.Contains(scope);
}
