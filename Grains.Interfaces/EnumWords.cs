using System.Collections.Immutable;

namespace OrleansMl;

/// <summary>
/// The words the public contract uses for enum values (<c>queued</c>, <c>lightgbm</c>, <c>multiclass</c>): the member
/// name in lower case. JSON, REST descriptions, validation messages and MCP schemas all take them from here.
/// </summary>
public static class EnumWords
{
    /// <summary>The word for an enum member's name.</summary>
    public static string Word(string memberName)
    {
        ArgumentNullException.ThrowIfNull(memberName);

        // A rollout's and a schedule's contracts spell these in camel case; every other word is the name in lower case.
        return memberName switch
        {
            nameof(RolloutStatus.RolledBack) => "rolledBack",
            nameof(ScheduleTrigger.NewData) => "newData",
            nameof(ScheduleThen.PromoteIfBetter) => "promoteIfBetter",
            _ => memberName.ToLowerInvariant(),
        };
    }

    /// <summary>The word for <paramref name="value"/>.</summary>
    public static string Word<T>(T value) where T : struct, Enum => Word(value.ToString());

    /// <summary>Every word of <typeparamref name="T"/>, in declaration order.</summary>
    public static ImmutableArray<string> All<T>() where T : struct, Enum => Cache<T>.Words;

    /// <summary>Every word of <typeparamref name="T"/> as a list for messages: <c>auto, binary, multiclass, regression</c>.</summary>
    public static string List<T>() where T : struct, Enum => Cache<T>.List;

    /// <summary>Parses a word (case-insensitive); numbers and unknown words are not accepted.</summary>
    public static bool TryParse<T>(string? word, out T value) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(Word(candidate), word, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static class Cache<T> where T : struct, Enum
    {
        public static readonly ImmutableArray<string> Words = [.. Enum.GetValues<T>().Select(v => Word(v))];

        public static readonly string List = string.Join(", ", Words);
    }
}
