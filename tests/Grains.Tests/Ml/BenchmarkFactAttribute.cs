namespace OrleansMl.Tests.Ml;

/// <summary>
/// A budget check that takes seconds and a quiet machine, so it runs only when asked:
/// <c>ORLEANSML_BENCHMARKS=1 dotnet test -c Release --filter Category=Benchmark</c>.
/// </summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("ORLEANSML_BENCHMARKS") != "1")
        {
            Skip = "Budget benchmark: set ORLEANSML_BENCHMARKS=1 to run it.";
        }
    }
}
