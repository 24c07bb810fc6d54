using System.ComponentModel.DataAnnotations;

namespace OrleansMl.Gateway.Mcp;

/// <summary>
/// A tool argument that takes the words of <typeparamref name="T"/> (<see cref="EnumWords"/>) or nothing: the input
/// schema lists them as its <c>enum</c>, and the tool call filter refuses any other word.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property)]
internal sealed class AllowedWordsAttribute<T>() : AllowedValuesAttribute([null, .. EnumWords.All<T>()])
    where T : struct, Enum;
