using System.Collections.Immutable;
using System.Text;

namespace OrleansMl.Gateway.Api;

/// <summary>Column names of a request, with their UTF-8 bytes to recognize them in the next request's JSON.</summary>
public sealed class ColumnNames
{
    public ColumnNames(ImmutableArray<string> names)
    {
        Names = names;
        Utf8 = [.. names.Select(Encoding.UTF8.GetBytes)];
    }

    public ImmutableArray<string> Names { get; }

    public byte[][] Utf8 { get; }
}
