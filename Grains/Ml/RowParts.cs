using System.Runtime.ExceptionServices;

namespace OrleansMl.Ml;

/// <summary>
/// Splits the rows of a large batch into parts scored side by side on the cores: the calling thread takes parts
/// itself, so a batch never waits for a free thread (when every core is busy the caller scores every part). Rows keep
/// their places, so the results are those of one pass; of several failing parts, the first part's error is thrown,
/// as one pass would have thrown it.
/// </summary>
internal static class RowParts
{
    private const int MaxParts = 8;

    // Not the grain's scheduler: parts run on the thread pool beside the call, which waits for them.
    private static readonly ParallelOptions Options = new() { TaskScheduler = TaskScheduler.Default, MaxDegreeOfParallelism = MaxParts };

    /// <summary>How many parts <paramref name="rows"/> rows make with at least <paramref name="minRowsPerPart"/> each (one per core at most).</summary>
    public static int Count(int rows, int minRowsPerPart) =>
        Math.Clamp(Math.Min(Environment.ProcessorCount, rows / Math.Max(1, minRowsPerPart)), 1, MaxParts);

    /// <summary>Rows [start, end) of part <paramref name="part"/> of <paramref name="parts"/>.</summary>
    public static (int Start, int End) Range(int rows, int parts, int part) =>
        ((int)((long)rows * part / parts), (int)((long)rows * (part + 1) / parts));

    /// <summary>Runs <paramref name="body"/> for each part (0 to <paramref name="parts"/> − 1) and waits for all.</summary>
    public static void Run(int parts, Action<int> body)
    {
        if (parts <= 1)
        {
            body(0);
            return;
        }

        var errors = new Exception?[parts];
        Parallel.For(0, parts, Options, part =>
        {
            try
            {
                body(part);
            }
            catch (Exception ex)
            {
                errors[part] = ex;
            }
        });
        if (Array.Find(errors, e => e is not null) is { } first)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }
}
