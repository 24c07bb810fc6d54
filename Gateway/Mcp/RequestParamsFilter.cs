using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Ml;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Checks the JSON types of a request's <c>params</c> against the protocol's before the SDK binds them: <c>params</c>
/// and <c>_meta</c> are objects, and the members the server's methods read have their type (a tool's or prompt's
/// <c>name</c> and a resource's <c>uri</c> are strings, <c>arguments</c> an object, a list's <c>cursor</c> a string, a
/// completion's <c>ref</c> and <c>argument</c> objects with string members, a logging level one of the protocol's).
/// A request that breaks this is a JSON-RPC "invalid params" error naming the member and what it must be. Left to the
/// SDK, such a request failed to deserialize and came back as an internal error, "An error occurred.", that named
/// nothing. Members it does not know are left to the SDK.
/// <para>
/// A name given twice in <c>params</c>, in <c>params._meta</c> or in <c>arguments</c> is "invalid params" too, naming it.
/// System.Text.Json's nodes keep both members until one is read, and the SDK binds the last, so
/// <c>{"model": "a", "model": "b"}</c> would have called the tool on <c>b</c> without a word (and a repeated
/// <c>params</c> member failed as an internal error).
/// </para>
/// </summary>
internal static class RequestParamsFilter
{
    private static readonly Member Cursor = new("cursor", JsonValueKind.String, Required: false, "the nextCursor of the page before");

    private static readonly Dictionary<string, Member[]> Shapes = new(StringComparer.Ordinal)
    {
        [RequestMethods.ToolsCall] =
        [
            new("name", JsonValueKind.String, Required: true, "the tool's name"),
            new("arguments", JsonValueKind.Object, Required: false, "argument names to values"),
        ],
        [RequestMethods.PromptsGet] =
        [
            new("name", JsonValueKind.String, Required: true, "the prompt's name"),
            new("arguments", JsonValueKind.Object, Required: false, "argument names to strings"),
        ],
        [RequestMethods.ResourcesRead] = [new("uri", JsonValueKind.String, Required: true, "the resource's URI")],
        [RequestMethods.CompletionComplete] =
        [
            new("ref", JsonValueKind.Object, Required: true, "the prompt or resource template to complete for",
                Inner: [new("type", JsonValueKind.String, Required: true, "ref/prompt or ref/resource")]),
            new("argument", JsonValueKind.Object, Required: true, "the argument's name and value so far",
                Inner: [new("name", JsonValueKind.String, Required: true, "the argument's name"), new("value", JsonValueKind.String, Required: true, "its text so far")]),
        ],
        ["logging/setLevel"] =
        [
            new("level", JsonValueKind.String, Required: true, "the least severe level to send",
                Allowed: ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]),
        ],
        [RequestMethods.ToolsList] = [Cursor],
        [RequestMethods.PromptsList] = [Cursor],
        [RequestMethods.ResourcesList] = [Cursor],
        [RequestMethods.ResourcesTemplatesList] = [Cursor],
    };

    public static McpMessageHandler Wrap(McpMessageHandler next) =>
        (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is JsonRpcRequest request)
            {
                Check(request.Method, request.Params);
            }

            return next(context, cancellationToken);
        };

    /// <summary>Throws "invalid params" when <paramref name="parameters"/> do not have the shape <paramref name="method"/> reads.</summary>
    internal static void Check(string method, JsonNode? parameters)
    {
        if (parameters is null)
        {
            if (Shapes.TryGetValue(method, out var expected) && expected.FirstOrDefault(m => m.Required) is { } first)
            {
                throw Missing(method, $"params.{first.Name}", first);
            }

            return;
        }

        if (parameters is not JsonObject members)
        {
            throw Invalid($"The params of {method} must be an object; they are {Describe(parameters.GetValueKind())}.");
        }

        NamesOnce(method, "params", members);
        var meta = members["_meta"];
        if (meta is not null && meta.GetValueKind() != JsonValueKind.Object)
        {
            throw Invalid($"params._meta of {method} must be an object; it is {Describe(meta.GetValueKind())}.");
        }

        if (meta is JsonObject metaMembers)
        {
            NamesOnce(method, "params._meta", metaMembers);
        }

        if (members["arguments"] is JsonObject arguments)
        {
            NamesOnce(method, "params.arguments", arguments);
        }

        if (!Shapes.TryGetValue(method, out var shape))
        {
            return;
        }

        Check(method, "params", members, shape);
    }

    /// <summary>
    /// Throws "invalid params" naming a member <paramref name="members"/> has twice. Reading a node's members builds
    /// its table of them, which refuses a name it already holds; the node's JSON stays as it came and names the member.
    /// </summary>
    private static void NamesOnce(string method, string path, JsonObject members)
    {
        try
        {
            _ = members.Count;
        }
        catch (ArgumentException)
        {
            // Compared without case, this finds the repeat however the node compares names.
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var twice = JsonSerializer.SerializeToElement(members, McpJson.Options).EnumerateObject().FirstOrDefault(m => !seen.Add(m.Name)).Name;
            throw Invalid(twice is null
                ? $"{path} of {method} names a member twice; send each name once."
                : $"{path} of {method} names '{NameList.Cut(twice)}' twice; send each name once.");
        }
    }

    private static void Check(string method, string path, JsonObject members, Member[] shape)
    {
        foreach (var member in shape)
        {
            var value = members[member.Name];
            if (value is null)
            {
                if (member.Required)
                {
                    throw Missing(method, $"{path}.{member.Name}", member);
                }

                continue;
            }

            if (value.GetValueKind() != member.Kind)
            {
                throw Invalid($"{path}.{member.Name} of {method} must be {Describe(member.Kind)} ({member.What}); it is {Describe(value.GetValueKind())}.");
            }

            if (member.Allowed is { } allowed && !allowed.Contains(value.GetValue<string>(), StringComparer.Ordinal))
            {
                throw Invalid($"{path}.{member.Name} of {method} must be one of {string.Join(", ", allowed)}; it is '{NameList.Cut(value.GetValue<string>())}'.");
            }

            if (member.Inner is { } inner)
            {
                Check(method, $"{path}.{member.Name}", value.AsObject(), inner);
            }
        }
    }

    private static McpProtocolException Missing(string method, string path, Member member) =>
        Invalid($"{method} needs {path}: {Describe(member.Kind)}, {member.What}.");

    private static string Describe(JsonValueKind kind) => ToolCallFilter.Kind(kind);

    private static McpProtocolException Invalid(string message) => new(message, McpErrorCode.InvalidParams);

    /// <summary>A member the method reads: its JSON type, and for an object the members inside it, for a string its allowed values.</summary>
    private sealed record Member(string Name, JsonValueKind Kind, bool Required, string What, Member[]? Inner = null, string[]? Allowed = null);
}
