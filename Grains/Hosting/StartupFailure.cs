using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace OrleansMl.Hosting;

/// <summary>
/// What a gateway or silo says when its settings stop it: one line per wrong setting, naming the setting, the value,
/// what it takes and the environment variable to fix, then exit code 1, instead of an unhandled exception's stack
/// trace and an abort. Other failures are left to the runtime, with their traces.
/// </summary>
public static partial class StartupFailure
{
    /// <summary>The exit code of a process whose settings stopped it.</summary>
    public const int ExitCode = 1;

    /// <summary>Writes <paramref name="message"/> (from <see cref="Describe"/>) to standard error and returns <see cref="ExitCode"/>.</summary>
    public static int Report(string message)
    {
        Console.Error.WriteLine($"OrleansMl cannot start: {message}");
        return ExitCode;
    }

    /// <summary>The wrong settings behind <paramref name="error"/> (or an exception inside it), or null when it is about none.</summary>
    public static string? Describe(Exception error)
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case OptionsValidationException validation:
                    return string.Join(Environment.NewLine, validation.Failures.Select(Unwrap));
                case SettingException setting:
                    return setting.Message;
                case InvalidOperationException when ConversionFailure().Match(current.Message) is { Success: true } match:
                    return Unparsable(match.Groups["key"].Value, match.Groups["value"].Value, match.Groups["type"].Value);
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    return Describe(aggregate.InnerExceptions[0]);
            }
        }

        return null;
    }

    /// <summary>The environment variable that sets a configuration key (<c>OrleansMl:Auth:Mode</c> → <c>OrleansMl__Auth__Mode</c>).</summary>
    public static string Variable(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    private static string Unparsable(string key, string value, string typeName)
    {
        var shown = value.Length > 64 ? string.Concat(value.AsSpan(0, 64), "…") : value;
        return string.Create(CultureInfo.InvariantCulture, $"{key} is '{shown}', which is not {Expected(typeName)}: set {Variable(key)}.");
    }

    private static string Expected(string typeName) => typeName switch
    {
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Double" or "System.Single" or "System.Decimal" => "a number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a time span such as 00:30:00 or 7.00:00:00",
        "System.Uri" => "a URI",
        _ when FindEnum(typeName) is { } type => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ => $"a {typeName[(typeName.LastIndexOf('.') + 1)..]}",
    };

    private static Type? FindEnum(string typeName) =>
        AppDomain.CurrentDomain.GetAssemblies()
            .Select(assembly => assembly.GetType(typeName, throwOnError: false))
            .FirstOrDefault(type => type is { IsEnum: true });

    // Data-annotation failures read "DataAnnotation validation failed for 'T' members: 'M' with the error: '...'."; our
    // messages already name the setting and the variable, so only the message is kept.
    private static string Unwrap(string failure) =>
        AnnotationFailure().Match(failure) is { Success: true } match ? match.Groups["message"].Value : failure;

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'\.", RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();

    [GeneratedRegex(@"with the error: '(?<message>.*)'\.$", RegexOptions.Singleline)]
    private static partial Regex AnnotationFailure();
}

/// <summary>A setting whose value passed validation but cannot be used on this machine (a data directory that cannot be created).</summary>
public sealed class SettingException(string message, Exception? inner = null) : Exception(message, inner);
