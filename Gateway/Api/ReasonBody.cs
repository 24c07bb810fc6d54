using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Ml;

namespace OrleansMl.Gateway.Api;

/// <summary>Why a change is made, as the JSON body of a DELETE that also takes it as <c>?reason=</c>.</summary>
/// <param name="Reason">Recorded in the history and the audit log.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ReasonBody(string? Reason = null)
{
    /// <summary>How the routes that take it describe where the reason may come from.</summary>
    public const string Description =
        "reason: in the query (?reason=...) or a JSON body {\"reason\": \"...\"}; both may be given only with the same text.";

    /// <summary>
    /// The reason given in the query or the body (an empty one counts as none), or a problem when both give one and they
    /// differ: which of them the caller meant cannot be told, and the reason is what the history keeps.
    /// </summary>
    public static (string? Reason, ValidationProblem? Problem) Resolve(string? query, ReasonBody? body)
    {
        var sent = body?.Reason;
        if (string.IsNullOrEmpty(query) || string.IsNullOrEmpty(sent) || string.Equals(query, sent, StringComparison.Ordinal))
        {
            return (string.IsNullOrEmpty(query) ? sent : query, null);
        }

        var detail = $"reason is given twice, in the query ('{NameList.Cut(query)}') and in the body ('{NameList.Cut(sent)}'); give it once.";
        return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [detail] }, detail: detail, title: "Invalid reason"));
    }
}
