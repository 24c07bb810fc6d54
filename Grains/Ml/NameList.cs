using System.Globalization;
using System.Text;

namespace OrleansMl.Ml;

/// <summary>
/// Names and values quoted in an error message, kept small whatever the request held: at most <see cref="MaxShown"/>
/// of them, each cut at <see cref="MaxLength"/> characters, then how many more there were. A request can carry a great
/// many names (one prediction row with 300,000 unknown keys), and the error that quotes them is sent back and may be
/// logged, once per request.
/// </summary>
public static class NameList
{
    public const int MaxShown = 10;
    public const int MaxLength = 64;

    /// <summary><paramref name="names"/> quoted ('a', 'b'), the first <see cref="MaxShown"/> only, then "and N more".</summary>
    public static string Quoted(IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var text = new StringBuilder();
        foreach (var name in names.Take(MaxShown))
        {
            text.Append(text.Length == 0 ? "'" : ", '").Append(Cut(name)).Append('\'');
        }

        return names.Count > MaxShown
            ? text.Append(CultureInfo.InvariantCulture, $" and {names.Count - MaxShown} more").ToString()
            : text.ToString();
    }

    /// <summary>The first <see cref="MaxShown"/> of <paramref name="parts"/> joined with "; ", then "and N more".</summary>
    public static string Joined(IReadOnlyCollection<string> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var joined = string.Join("; ", parts.Take(MaxShown));
        return parts.Count > MaxShown ? string.Create(CultureInfo.InvariantCulture, $"{joined}; and {parts.Count - MaxShown} more") : joined;
    }

    /// <summary><paramref name="text"/> cut at <see cref="MaxLength"/> characters, ending with "…" when cut.</summary>
    public static string Cut(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= MaxLength ? text : string.Concat(text.AsSpan(0, MaxLength), "…");
    }
}
