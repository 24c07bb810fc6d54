using System.Globalization;
using System.Text;

namespace OrleansMl.Tests.Support;

/// <summary>Small seeded datasets with an obvious signal, so every learner should do well on them.</summary>
public static class TestData
{
    /// <summary>Binary label from x1 + x2 &gt; 0, with a categorical column that also carries signal.</summary>
    public static string Binary(int rows = 400, int seed = 1, string positive = "yes", string negative = "no")
    {
        var random = new Random(seed);
        var csv = new StringBuilder("id,x1,x2,color,label\n");
        for (var i = 0; i < rows; i++)
        {
            var x1 = random.NextDouble() * 4 - 2;
            var x2 = random.NextDouble() * 4 - 2;
            var color = (x1 + x2 > 0) == (random.NextDouble() < 0.9) ? "red" : "blue";
            var label = x1 + x2 > 0 ? positive : negative;
            csv.Append(CultureInfo.InvariantCulture, $"{i},{x1:F4},{x2:F4},{color},{label}\n");
        }

        return csv.ToString();
    }

    /// <summary>Three well separated classes named like iris species.</summary>
    public static string Multiclass(int rows = 300, int seed = 2)
    {
        string[] classes = ["setosa", "versicolor", "virginica"];
        var random = new Random(seed);
        var csv = new StringBuilder("petal_length,petal_width,species\n");
        for (var i = 0; i < rows; i++)
        {
            var c = i % 3;
            csv.Append(CultureInfo.InvariantCulture, $"{1 + 2 * c + random.NextDouble():F3},{0.5 + c + random.NextDouble() * 0.5:F3},{classes[c]}\n");
        }

        return csv.ToString();
    }

    /// <summary>y = 3a - 2b + noise.</summary>
    public static string Regression(int rows = 300, int seed = 3)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("a,b,y\n");
        for (var i = 0; i < rows; i++)
        {
            var a = random.NextDouble() * 10;
            var b = random.NextDouble() * 10;
            csv.Append(CultureInfo.InvariantCulture, $"{a:F3},{b:F3},{3 * a - 2 * b + random.NextDouble() * 0.1:F3}\n");
        }

        return csv.ToString();
    }

    /// <summary>A unique name per test, so tests sharing a cluster never see each other's state.</summary>
    public static string Name(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];
}
