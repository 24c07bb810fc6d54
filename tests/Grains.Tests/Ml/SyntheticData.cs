using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using OrleansMl.Ml;

namespace OrleansMl.Tests.Ml;

/// <summary>Seeded data sets for the ML tests, built in memory so no test depends on a file.</summary>
public static class SyntheticData
{
    /// <summary>
    /// A classification problem shaped like scikit-learn's <c>make_classification</c>: Gaussian clusters on the
    /// vertices of a hypercube in the informative dimensions, random covariances, redundant linear combinations,
    /// pure-noise features, 1% flipped labels, shuffled rows and features. Columns <c>f0..f{n-1}</c> and
    /// <c>target</c> (0..classes-1).
    /// </summary>
    public static (float[][] Features, int[] Labels) MakeClassification(
        int rows,
        int features = 20,
        int informative = 10,
        int redundant = 2,
        int classes = 2,
        int clustersPerClass = 2,
        double flipY = 0.01,
        double classSeparation = 1.0,
        int seed = 42)
    {
        var random = new Random(seed);
        var clusters = classes * clustersPerClass;
        var centroids = new HashSet<long>();
        while (centroids.Count < clusters)
        {
            centroids.Add(random.NextInt64(1L << informative));
        }

        var vertices = centroids.ToArray();
        var x = new double[rows][];
        var labels = new int[rows];
        var perCluster = rows / clusters;
        var row = 0;
        for (var k = 0; k < clusters; k++)
        {
            var size = perCluster + (k < rows % clusters ? 1 : 0);
            var a = new double[informative, informative];
            for (var i = 0; i < informative; i++)
            {
                for (var j = 0; j < informative; j++)
                {
                    a[i, j] = (2 * random.NextDouble()) - 1;
                }
            }

            for (var n = 0; n < size; n++, row++)
            {
                var z = new double[informative];
                for (var i = 0; i < informative; i++)
                {
                    z[i] = Normal(random);
                }

                var v = new double[features];
                for (var j = 0; j < informative; j++)
                {
                    double sum = 0;
                    for (var i = 0; i < informative; i++)
                    {
                        sum += z[i] * a[i, j];
                    }

                    var bit = (vertices[k] >> j) & 1;
                    v[j] = sum + ((bit * 2 * classSeparation) - classSeparation);
                }

                x[row] = v;
                labels[row] = k % classes;
            }
        }

        var b = new double[informative, redundant];
        for (var i = 0; i < informative; i++)
        {
            for (var j = 0; j < redundant; j++)
            {
                b[i, j] = (2 * random.NextDouble()) - 1;
            }
        }

        foreach (var v in x)
        {
            for (var j = 0; j < redundant; j++)
            {
                double sum = 0;
                for (var i = 0; i < informative; i++)
                {
                    sum += v[i] * b[i, j];
                }

                v[informative + j] = sum;
            }

            for (var j = informative + redundant; j < features; j++)
            {
                v[j] = Normal(random);
            }
        }

        for (var n = 0; n < rows; n++)
        {
            if (random.NextDouble() < flipY)
            {
                labels[n] = random.Next(classes);
            }
        }

        var order = Enumerable.Range(0, rows).ToArray();
        random.Shuffle(order);
        var featureOrder = Enumerable.Range(0, features).ToArray();
        random.Shuffle(featureOrder);
        var columns = new float[features][];
        for (var f = 0; f < features; f++)
        {
            columns[f] = new float[rows];
            for (var n = 0; n < rows; n++)
            {
                columns[f][n] = (float)x[order[n]][featureOrder[f]];
            }
        }

        return (columns, order.Select(i => labels[i]).ToArray());
    }

    /// <summary><see cref="MakeClassification"/> as a frame with numeric columns f0.. and a numeric <c>target</c>.</summary>
    public static DatasetFrame ClassificationFrame(int rows, int features = 20, int classes = 2, int seed = 42, double classSeparation = 1.0)
    {
        var (x, y) = MakeClassification(
            rows, features, informative: Math.Min(10, features - 2), classes: classes, classSeparation: classSeparation, seed: seed);
        var columns = x.Select((values, f) => NumericColumn($"f{f}", values)).ToList();
        columns.Add(NumericColumn("target", y.Select(v => (float)v).ToArray()));
        return new DatasetFrame(rows, [.. columns]);
    }

    /// <summary>The same data as CSV text.</summary>
    public static string ToCsv(DatasetFrame frame)
    {
        var csv = new StringBuilder(frame.RowCount * frame.Columns.Length * 11);
        csv.AppendJoin(',', frame.Columns.Select(c => c.Name)).Append('\n');
        for (var row = 0; row < frame.RowCount; row++)
        {
            for (var c = 0; c < frame.Columns.Length; c++)
            {
                if (c > 0)
                {
                    csv.Append(',');
                }

                csv.Append(frame.Columns[c].GetText(row));
            }

            csv.Append('\n');
        }

        return csv.ToString();
    }

    /// <summary>A numeric column with its statistics.</summary>
    public static FrameColumn NumericColumn(string name, float[] values)
    {
        var present = values.Where(v => !float.IsNaN(v)).Select(v => (double)v).ToArray();
        var mean = present.Length > 0 ? present.Average() : (double?)null;
        var info = new ColumnInfo(
            name,
            ColumnKind.Numeric,
            present.Length,
            values.Length - present.Length,
            present.Distinct().Count(),
            present.Length > 0 ? present.Min() : null,
            present.Length > 0 ? present.Max() : null,
            mean,
            present.Length > 1 ? Math.Sqrt(present.Sum(v => (v - mean!.Value) * (v - mean.Value)) / (present.Length - 1)) : null,
            ImmutableArray<ValueCount>.Empty);
        return FrameColumn.Numeric(info, values);
    }

    /// <summary>Reads CSV text through the real reader, so tests see exactly what an upload produces.</summary>
    public static DatasetFrame Parse(string csv) =>
        CsvFrameReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(csv)), new CsvReadOptions());

    /// <summary>Formats a number the way a CSV writer would.</summary>
    public static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
