using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using OrleansMl.Ml;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// Says in the API's own words what a request the framework could not bind got wrong: which body field, query value or
/// route value, and what it must be. The framework's messages name .NET types (<c>Nullable&lt;int&gt; limit</c>, the body
/// record's class, <c>System.String[]</c>), which mean nothing to a client of an HTTP API; the serializer's even name the
/// body's class for a field of the wrong type. The field's expected shape is read from the same JSON contract the body was
/// read with, so the message follows the field names and types the route really takes.
/// </summary>
internal static partial class BindingProblems
{
    /// <summary>The <c>detail</c> of a 400 for a request the route's parameters could not be bound from.</summary>
    public static string Describe(HttpContext http, BadHttpRequestException exception)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.InnerException is JsonException json)
        {
            return DescribeJson(http, json);
        }

        var message = exception.Message;
        if (BindingFailed().Match(message) is { Success: true } failed)
        {
            return DescribeValue(http, failed.Groups["name"].Value, failed.Groups["value"].Value);
        }

        if (NotProvided().Match(message) is { Success: true } missing)
        {
            return missing.Groups["source"].Value == "body"
                ? BodyRequired(http)
                : $"{Where(http, missing.Groups["name"].Value)} is required.";
        }

        if (ImplicitBodyNotProvided().IsMatch(message))
        {
            return BodyRequired(http);
        }

        return message;
    }

    /// <summary>
    /// A query parameter of the route given more than once (<c>?limit=2&amp;limit=5</c>), or null. The framework binds the
    /// values joined with commas: a number fails to parse as "2,5", and a text (a reason, a cursor) is taken as "a,b".
    /// Only the route's own parameters count; one it does not take is ignored, as it is when given once.
    /// </summary>
    public static string? RepeatedQueryParameter(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var query = http.Request.Query;
        if (query.Count == 0 || Endpoint(http)?.Metadata.GetMetadata<MethodInfo>()?.GetParameters() is not { } parameters)
        {
            return null;
        }

        foreach (var (name, values) in query)
        {
            if (values.Count > 1 && parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                return string.Create(CultureInfo.InvariantCulture, $"Query parameter '{NameList.Cut(name)}' is given {values.Count} times; give it once.");
            }
        }

        return null;
    }

    /// <summary>A JSON body that is malformed, or whose value at some path does not fit the route's body type.</summary>
    private static string DescribeJson(HttpContext http, JsonException json)
    {
        // The reader's own errors (bad syntax, a truncated body, text after the value) name the position and no type.
        if (json.InnerException is JsonException || json.Path is not { } path)
        {
            return $"Malformed JSON body: {json.Message}";
        }

        // A string (or a member's name) the reader could not read as text: well-formed JSON, so no type is to blame.
        if (json.InnerException is { } inner && JsonText.IsInvalidText(inner))
        {
            return $"The JSON value at {path} {JsonText.NotText}. Send the request body as UTF-8.";
        }

        var body = Endpoint(http)?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;
        var options = http.RequestServices.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
        var place = body is null ? default : Walk(options, body, path);
        if (place.Unknown is { } unknown)
        {
            var fields = string.Join(", ", place.Parent!.Properties.Select(p => p.Name));
            return $"Unknown field '{NameList.Cut(unknown)}' in {In(place.ParentPath)}; its fields are: {fields}.";
        }

        if (place.Info is not { } info)
        {
            return $"The JSON value at {path} could not be read.";
        }

        // The serializer's message is the only thing that tells a repeated name from a value of the wrong type (both come
        // without an inner exception at a path the body type has); its messages are English (InvariantGlobalization).
        if (place.Name is { } name && json.Message.StartsWith("Duplicate propert", StringComparison.Ordinal))
        {
            return $"'{name}' appears twice in {In(place.ParentPath)}; send each name once.";
        }

        return path == "$"
            ? $"The request body must be {Words(info, plural: false)}{Example(http)}."
            : $"The JSON value at {path} could not be read as {Words(info, plural: false)}.";
    }

    private static string In(string path) => path == "$" ? "the request body" : path;

    /// <summary>
    /// What the value at <paramref name="path"/> of a <paramref name="type"/> read with <paramref name="options"/> must be
    /// ("a time span such as \"01:00:00\"", "one of: count, sum, …"), or nothing when the path leads nowhere the type goes.
    /// </summary>
    internal static string? Expected(JsonSerializerOptions options, Type type, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(path);
        return Walk(options, type, path).Info is { } info ? Words(info, plural: false) : null;
    }

    /// <summary>
    /// The contract of the value at <paramref name="path"/> (<c>$.guard.metric</c>, <c>$.features[0]</c>) and the name of its
    /// last step; or, when a step names no field of the object it is in, that name and the object; or nothing, when the path
    /// leads nowhere the body type goes.
    /// </summary>
    private static Place Walk(JsonSerializerOptions options, Type body, string path)
    {
        var info = options.GetTypeInfo(body);
        string? last = null;
        var parentPath = "$";
        var at = 1;
        while (at < path.Length)
        {
            var start = at;
            string? name;
            if (path[at] == '.')
            {
                var end = path.IndexOfAny(['.', '['], at + 1);
                end = end < 0 ? path.Length : end;
                name = path[(at + 1)..end];
                at = end;
            }
            else if (path.AsSpan(at).StartsWith("['", StringComparison.Ordinal))
            {
                var end = path.IndexOf("']", at + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    return default;
                }

                name = path[(at + 2)..end];
                at = end + 2;
            }
            else if (path[at] == '[')
            {
                var end = path.IndexOf(']', at);
                if (end < 0 || info.Kind != JsonTypeInfoKind.Enumerable || info.ElementType is null)
                {
                    return default;
                }

                info = options.GetTypeInfo(info.ElementType);
                parentPath = path[..start];
                last = null;
                at = end + 1;
                continue;
            }
            else
            {
                return default;
            }

            parentPath = path[..start];
            last = name;
            if (info.Kind == JsonTypeInfoKind.Dictionary && info.ElementType is not null)
            {
                info = options.GetTypeInfo(info.ElementType);
            }
            else if (info.Kind == JsonTypeInfoKind.Object && Member(options, info, name) is { } member)
            {
                info = options.GetTypeInfo(member.PropertyType);
            }
            else if (info.Kind == JsonTypeInfoKind.Object && at == path.Length)
            {
                return new Place(null, null, parentPath, name, info);
            }
            else
            {
                return default;
            }
        }

        return new Place(info, last, parentPath, null, null);
    }

    /// <summary>Where a path leads: the value's contract and name, or a name the object at <see cref="ParentPath"/> does not have.</summary>
    private readonly record struct Place(JsonTypeInfo? Info, string? Name, string ParentPath, string? Unknown, JsonTypeInfo? Parent);

    private static JsonPropertyInfo? Member(JsonSerializerOptions options, JsonTypeInfo info, string name)
    {
        var comparison = options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var property in info.Properties)
        {
            if (string.Equals(property.Name, name, comparison))
            {
                return property;
            }
        }

        return null;
    }

    /// <summary>What a value of this contract is, in JSON's words: "a whole number from …", "an array of strings".</summary>
    private static string Words(JsonTypeInfo info, bool plural)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (type == typeof(string))
        {
            return plural ? "strings" : "a string";
        }

        if (type == typeof(bool))
        {
            return plural ? "booleans" : "true or false";
        }

        if (type == typeof(int))
        {
            return plural ? "whole numbers" : "a whole number from -2147483648 to 2147483647";
        }

        if (type == typeof(long))
        {
            return plural ? "whole numbers" : "a whole number";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return plural ? "numbers" : "a number";
        }

        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return plural ? "dates and times such as \"2026-01-01T00:00:00Z\"" : "a date and time such as \"2026-01-01T00:00:00Z\"";
        }

        if (type == typeof(TimeSpan))
        {
            return plural ? "time spans such as \"01:00:00\"" : "a time span such as \"01:00:00\"";
        }

        if (type == typeof(FeatureValue))
        {
            return plural ? "numbers, strings, booleans or nulls" : "a number, a string, a boolean or null";
        }

        if (type.IsEnum)
        {
            var words = string.Join(", ", Enum.GetNames(type).Select(EnumWords.Word));
            return plural ? $"words from: {words}" : $"one of: {words}";
        }

        var options = info.Options;
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable when info.ElementType is { } element =>
                plural ? "arrays" : $"an array of {Words(options.GetTypeInfo(element), plural: true)}",
            JsonTypeInfoKind.Dictionary when info.ElementType is { } value =>
                plural ? "objects" : $"an object of names to {Words(options.GetTypeInfo(value), plural: true)}",
            JsonTypeInfoKind.Object => plural ? "objects" : "a JSON object",
            _ => plural ? "values of another kind" : "a value of another kind",
        };
    }

    /// <summary>A query or route value that does not parse as its parameter's type.</summary>
    private static string DescribeValue(HttpContext http, string name, string value)
    {
        var parameter = Endpoint(http)?.Metadata.GetMetadata<MethodInfo>()?.GetParameters()
            .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        var expected = parameter is null
            ? "a value of another kind"
            : Words(http.RequestServices.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions.GetTypeInfo(parameter.ParameterType), plural: false);
        var shown = NameList.Cut(value);
        return string.Create(CultureInfo.InvariantCulture, $"{Where(http, name)} must be {expected}; got '{shown}'.");
    }

    private static string Where(HttpContext http, string name) =>
        (http.Features.Get<IExceptionHandlerFeature>()?.RouteValues ?? http.Request.RouteValues).ContainsKey(name)
            ? $"Route value '{name}'"
            : $"Query parameter '{name}'";

    /// <summary>The route that failed (the exception handler runs with the endpoint cleared, and keeps it in its feature).</summary>
    private static Endpoint? Endpoint(HttpContext http) => http.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? http.GetEndpoint();

    private static string BodyRequired(HttpContext http) => $"The request body is required: send a JSON object{Example(http)}.";

    /// <summary>", e.g. {…}" with the route's documented example body, when it has one.</summary>
    private static string Example(HttpContext http) =>
        Endpoint(http)?.Metadata.GetMetadata<OpenApiExamples.RequestExample>() is { } example
            && example.ContentType.Contains("json", StringComparison.Ordinal)
            ? $", e.g. {example.Example}"
            : string.Empty;

    // The framework's messages for a value that does not parse, a parameter that is absent, and a body that is absent
    // (RequestDelegateFactory: "Failed to bind parameter \"{type} {name}\" from \"{value}\".", and so on). A type name may
    // hold spaces (Dictionary<string, double>); the parameter's name never does.
    [GeneratedRegex("""^Failed to bind parameter "(?<type>.+) (?<name>[^ "]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindingFailed();

    [GeneratedRegex("""^Required parameter "(?<type>.+) (?<name>[^ "]+)" was not provided from (?<source>.+)\.$""", RegexOptions.Singleline)]
    private static partial Regex NotProvided();

    [GeneratedRegex("""^Implicit body inferred for parameter "[^"]*" but no body was provided""")]
    private static partial Regex ImplicitBodyNotProvided();
}
