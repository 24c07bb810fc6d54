using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using OrleansMl.Gateway.Api;
using OrleansMl.Ml;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// Wraps every tool call. Arguments that do not fit the tool's input schema (missing, unknown, wrong JSON type, not an
/// allowed value, an object inside them that names a key twice or a field its schema does not have) are rejected as
/// JSON-RPC "invalid params" before the tool runs; domain errors from the cluster become
/// tool errors whose text says what was wrong and what to call instead (<see cref="DomainErrors.ToolText"/>). Read-only
/// and idempotent tools run under the gateway's <see cref="FailoverPolicy"/>, as the idempotent REST routes do.
/// </summary>
internal static class ToolCallFilter
{
    /// <summary>The method behind each tool of this assembly, by tool name.</summary>
    private static readonly Lazy<Dictionary<string, MethodInfo>> ToolMethods = new(() => ToolMethodsOf(typeof(ToolCallFilter).Assembly));

    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Wrap(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            var tool = FindTool(context);
            if (tool is not null)
            {
                // The predict tool's reader checks its rows itself, one compare per cell (a batch's cells are its hot path).
                Validate(tool.ProtocolTool, context.Params?.Arguments, checkObjects: tool is not PredictTool);
            }

            var idempotent = tool?.ProtocolTool.Annotations is { } a && (a.ReadOnlyHint is true || a.IdempotentHint is true);
            try
            {
                return idempotent && context.Services?.GetService<FailoverPolicy>() is { } policy
                    ? await policy.RunAsync(
                        static call => call.Next(call.Context, call.CancellationToken).AsTask(),
                        (Next: next, Context: context, CancellationToken: cancellationToken, Tool: tool!.ProtocolTool.Name),
                        static call => $"tool {call.Tool}",
                        cancellationToken)
                    : await next(context, cancellationToken);
            }
            catch (OrleansMlException ex)
            {
                throw new McpException(DomainErrors.ToolText(ex, tool?.ProtocolTool.Name));
            }
            catch (JsonException) when (tool is not null && BindingProblem(tool.ProtocolTool.Name, context.Params?.Arguments) is { } problem)
            {
                throw Invalid(problem);
            }
        };

    /// <summary>
    /// The argument that cannot be bound to its parameter's type, by its path (<c>aggregates[0].window must be a time span
    /// such as "01:00:00"</c>): a value inside an argument that fits its JSON type but not the value the tool reads from it
    /// (a word that is not one of an enum's, a text that is not a time). The schema check passes it, and binding it failed
    /// the call with the SDK's words, which name neither the argument nor the problem. Looked for only once a call has
    /// failed this way, by reading each argument once more; nothing when every argument binds (the failure was then the
    /// tool's own, and is reported as one).
    /// </summary>
    internal static string? BindingProblem(string tool, IDictionary<string, JsonElement>? arguments)
    {
        if (arguments is null || !ToolMethods.Value.TryGetValue(tool, out var method))
        {
            return null;
        }

        foreach (var parameter in method.GetParameters())
        {
            if (parameter.Name is not { } name || !arguments.TryGetValue(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                continue;
            }

            try
            {
                JsonSerializer.Deserialize(value, parameter.ParameterType, McpJson.Options);
            }
            catch (JsonException ex)
            {
                var path = ex.Path is { Length: > 0 } p && p[0] == '$' ? p : "$";
                var where = name + path[1..];
                return BindingProblems.Expected(McpJson.Options, parameter.ParameterType, path) is { } expected
                    ? $"{where} must be {expected}."
                    : $"{where} could not be read: {DomainExceptionHandler.WithoutTypeNames(ex)}";
            }
        }

        return null;
    }

    private static Dictionary<string, MethodInfo> ToolMethodsOf(Assembly toolAssembly) =>
        toolAssembly.GetTypes()
            .Where(t => t.GetCustomAttribute<McpServerToolTypeAttribute>() is not null)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            .Select(m => (Method: m, m.GetCustomAttribute<McpServerToolAttribute>()?.Name))
            .Where(m => m.Name is not null)
            .ToDictionary(m => m.Name!, m => m.Method, StringComparer.Ordinal);

    /// <summary>
    /// Writes the range of a 32-bit integer (<c>minimum</c>, <c>maximum</c>) into the input schema of every tool argument
    /// bound to an <see cref="int"/>. The schema derived from the method says only "integer", so a larger number passed
    /// <see cref="Validate"/> and then failed to bind, with an error that named neither the argument nor the problem.
    /// Clients now see the range, and <see cref="Validate"/> refuses a number outside it by name.
    /// </summary>
    public static void DeclareIntegerRanges(McpServerPrimitiveCollection<McpServerTool>? tools, Assembly toolAssembly)
    {
        ArgumentNullException.ThrowIfNull(toolAssembly);
        if (tools is null)
        {
            return;
        }

        var methods = ToolMethodsOf(toolAssembly);
        foreach (var tool in tools)
        {
            if (!methods.TryGetValue(tool.ProtocolTool.Name, out var method)
                || JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText()) is not JsonObject schema
                || schema["properties"] is not JsonObject properties)
            {
                continue;
            }

            var changed = false;
            foreach (var parameter in method.GetParameters().Where(p => (Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType) == typeof(int)))
            {
                if (parameter.Name is { } name && properties[name] is JsonObject property && !property.ContainsKey("minimum"))
                {
                    property["minimum"] = int.MinValue;
                    property["maximum"] = int.MaxValue;
                    changed = true;
                }
            }

            if (changed)
            {
                tool.ProtocolTool.InputSchema = JsonSerializer.SerializeToElement(schema, McpJson.Options);
            }
        }
    }

    private static McpServerTool? FindTool(RequestContext<CallToolRequestParams> context) =>
        context.MatchedPrimitive as McpServerTool
        ?? (context.Params?.Name is { } name && context.Server.ServerOptions.ToolCollection is { } tools && tools.TryGetPrimitive(name, out var tool)
            ? tool
            : null);

    internal static void Validate(Tool tool, IDictionary<string, JsonElement>? arguments, bool checkObjects = true)
    {
        var schema = tool.InputSchema;
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()).OfType<string>())
            {
                if (arguments is null || !arguments.TryGetValue(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    throw Invalid($"Missing required argument '{name}'{Describe(properties, name)}.");
                }
            }
        }

        if (arguments is null || properties.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var (name, value) in arguments)
        {
            if (!properties.TryGetProperty(name, out var property))
            {
                var known = string.Join(", ", properties.EnumerateObject().Select(o => o.Name));
                throw Invalid($"Unknown argument '{NameList.Cut(name)}' for {tool.Name}; its arguments are: {known}.");
            }

            if (property.TryGetProperty("type", out var type) && !Matches(type, value))
            {
                throw Invalid($"Argument '{name}' must be {TypeWords(type)} (got {Kind(value)}){Describe(properties, name)}.");
            }

            if (value.ValueKind == JsonValueKind.Number && !InRange(property, value))
            {
                throw Invalid($"Argument '{name}' is {value.GetRawText()}; it must be {RangeWords(property)}{Describe(properties, name)}.");
            }

            if (value.ValueKind == JsonValueKind.String && property.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
                && !allowed.EnumerateArray().Any(a => string.Equals(a.GetString(), value.GetString(), StringComparison.OrdinalIgnoreCase)))
            {
                throw Invalid($"Argument '{name}' is '{NameList.Cut(value.GetString()!)}'; use one of: {string.Join(", ", allowed.EnumerateArray().Select(a => a.GetString()))}.");
            }

            if (checkObjects && value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                CheckObjects(schema, property, value, name);
            }
        }
    }

    private static bool InRange(JsonElement property, JsonElement value) =>
        (!property.TryGetProperty("minimum", out var minimum) || value.GetDouble() >= minimum.GetDouble())
        && (!property.TryGetProperty("maximum", out var maximum) || value.GetDouble() <= maximum.GetDouble());

    private static string RangeWords(JsonElement property) =>
        (property.TryGetProperty("minimum", out var minimum), property.TryGetProperty("maximum", out var maximum)) switch
        {
            (true, true) => $"from {minimum.GetRawText()} to {maximum.GetRawText()}",
            (true, false) => $"at least {minimum.GetRawText()}",
            _ => $"at most {maximum.GetRawText()}",
        };

    /// <summary>
    /// Every object in an argument's value, against its part of the schema: a key given twice, or a field the schema does
    /// not list where it closes the object (<c>additionalProperties: false</c>), is refused here, naming it, as REST refuses
    /// it in a body. Bound first, the arguments would keep a repeated key's last value, and an unknown field would fail the
    /// call without a word of which one.
    /// </summary>
    private static void CheckObjects(JsonElement root, JsonElement schema, JsonElement value, string path)
    {
        schema = Resolve(root, schema);
        var isSchema = schema.ValueKind == JsonValueKind.Object;
        if (value.ValueKind == JsonValueKind.Array)
        {
            var items = isSchema && schema.TryGetProperty("items", out var i) ? i : default;
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                CheckType(root, items, item, $"{path}[{index}]");
                if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    CheckObjects(root, items, item, $"{path}[{index}]");
                }

                index++;
            }

            return;
        }

        // Named fields match in any case, as the arguments are bound; keys of a map (a row's columns) match exactly.
        var properties = isSchema && schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var additional = isSchema && schema.TryGetProperty("additionalProperties", out var a) ? a : default;
        var comparer = properties.ValueKind == JsonValueKind.Object ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var seen = new HashSet<string>(comparer);
        foreach (var field in value.EnumerateObject())
        {
            if (!seen.Add(field.Name))
            {
                throw Invalid($"{path} names '{NameList.Cut(field.Name)}' twice; send each name once.");
            }

            var fieldSchema = properties.ValueKind == JsonValueKind.Object
                ? properties.EnumerateObject().FirstOrDefault(f => comparer.Equals(f.Name, field.Name)).Value
                : default;
            if (fieldSchema.ValueKind == JsonValueKind.Undefined && additional.ValueKind == JsonValueKind.False)
            {
                throw Invalid($"Unknown field '{NameList.Cut(field.Name)}' in {path}; its fields are: {string.Join(", ", properties.EnumerateObject().Select(f => f.Name))}.");
            }

            var valueSchema = fieldSchema.ValueKind == JsonValueKind.Undefined ? additional : fieldSchema;
            CheckType(root, valueSchema, field.Value, $"{path}.{field.Name}");
            if (field.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                CheckObjects(root, valueSchema, field.Value, $"{path}.{field.Name}");
            }
        }
    }

    /// <summary>
    /// A value inside an argument against the JSON type its schema gives (a hyper-parameter that is a string, a feature
    /// name that is a number): refused here by its path, where binding it would fail the call without naming it.
    /// </summary>
    private static void CheckType(JsonElement root, JsonElement schema, JsonElement value, string path)
    {
        schema = Resolve(root, schema);
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) && !Matches(type, value))
        {
            throw Invalid($"{path} must be {TypeWords(type)} (got {Kind(value)}).");
        }
    }

    /// <summary>The schema a <c>$ref</c> (a JSON pointer into the tool's input schema) stands for; any other schema as it is.</summary>
    private static JsonElement Resolve(JsonElement root, JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("$ref", out var reference)
            || reference.GetString() is not { } pointer || !pointer.StartsWith('#'))
        {
            return schema;
        }

        var target = root;
        foreach (var step in pointer[1..].Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var key = step.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty(key, out var next))
            {
                target = next;
            }
            else if (target.ValueKind == JsonValueKind.Array && int.TryParse(key, out var index) && index < target.GetArrayLength())
            {
                target = target[index];
            }
            else
            {
                return default;
            }
        }

        return target;
    }

    private static McpProtocolException Invalid(string message) => new(message, McpErrorCode.InvalidParams);

    private static string Describe(JsonElement properties, string name) =>
        properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var property)
            && property.TryGetProperty("description", out var description) && description.GetString() is { Length: > 0 } text
            ? $": {text.TrimEnd('.')}"
            : string.Empty;

    private static bool Matches(JsonElement type, JsonElement value) => type.ValueKind switch
    {
        JsonValueKind.String => Matches(type.GetString(), value),
        JsonValueKind.Array => type.EnumerateArray().Any(t => Matches(t.GetString(), value)),
        _ => true,
    };

    private static bool Matches(string? type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string TypeWords(JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? string.Join(" or ", type.EnumerateArray().Select(t => Article(t.GetString())))
        : Article(type.GetString());

    private static string Article(string? type) => type switch
    {
        "integer" or "object" or "array" => $"an {type}",
        "null" => "null",
        _ => $"a {type}",
    };

    private static string Kind(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _) ? "an integer" : Kind(value.ValueKind);

    /// <summary>A JSON type as an error message names it: "a string", "an object", "null".</summary>
    internal static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        _ => "null",
    };
}
