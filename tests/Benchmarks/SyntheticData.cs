using System.Globalization;
using System.Text;

namespace OrleansMl.Benchmarks;

/// <summary>
/// A binary classification set shaped like the usual make_classification benchmark: 10 informative features
/// around two Gaussian clusters per class on hypercube vertices, mixed by a random linear map, 5 redundant linear
/// combinations, 5 noise features and 1% flipped labels. Seeded, so every run measures the same data.
/// </summary>
public static class SyntheticData
{
    public static string Csv(int rows, int seed = 42)
    {
        const int informative = 10, redundant = 5, noise = 5;
        var random = new Random(seed);
        var centroids = new double[4][];
        for (var c = 0; c < 4; c++)
        {
            centroids[c] = Enumerable.Range(0, informative).Select(_ => random.Next(2) == 0 ? -1.0 : 1.0).ToArray();
        }

        var mixing = Matrix(random, informative, informative);
        var redundancy = Matrix(random, informative, redundant);
        var csv = new StringBuilder(rows * 200);
        csv.AppendJoin(',', Enumerable.Range(0, informative + redundant + noise).Select(i => $"f{i}")).Append(",label\n");
        var x = new double[informative];
        for (var r = 0; r < rows; r++)
        {
            var label = r % 2;
            var cluster = centroids[label * 2 + random.Next(2)];
            for (var i = 0; i < informative; i++)
            {
                x[i] = Gaussian(random);
            }

            var mixed = Multiply(x, mixing);
            for (var i = 0; i < informative; i++)
            {
                mixed[i] += cluster[i];
            }

            var features = mixed.Concat(Multiply(mixed, redundancy)).Concat(Enumerable.Range(0, noise).Select(_ => Gaussian(random)));
            if (random.NextDouble() < 0.01)
            {
                label = random.Next(2);
            }

            csv.AppendJoin(',', features.Select(f => f.ToString("F5", CultureInfo.InvariantCulture))).Append(',').Append(label).Append('\n');
        }

        return csv.ToString();
    }

    private static double[][] Matrix(Random random, int rows, int columns) =>
        Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, columns).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();

    private static double[] Multiply(double[] vector, double[][] matrix)
    {
        var result = new double[matrix[0].Length];
        for (var i = 0; i < vector.Length; i++)
        {
            for (var j = 0; j < result.Length; j++)
            {
                result[j] += vector[i] * matrix[i][j];
            }
        }

        return result;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
