using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using OrleansMl.Ml;

namespace OrleansMl.Tests.Ml;

/// <summary>Small seeded data sets that every learner separates well, parsed through the real CSV reader.</summary>
public static class MlTestData
{
    private static readonly string[] Cities = ["Paris", "Berlin", "Rome", "Madrid"];
    private static readonly string[] Species = ["setosa", "versicolor", "virginica"];

    /// <summary>
    /// A churn-like table: an id, two numbers (one with missing cells), a yes/no flag, a city and a label that
    /// depends on them. <paramref name="labels"/> spells the negative and positive class.
    /// </summary>
    public static string BinaryCsv(int rows = 300, int seed = 1, (string Negative, string Positive)? labels = null)
    {
        var (negative, positive) = labels ?? ("no", "yes");
        var random = new Random(seed);
        var csv = new StringBuilder("customer_id,age,income,member,city,churned\n");
        for (var i = 0; i < rows; i++)
        {
            var age = 18 + random.Next(60);
            var income = 20 + (random.NextDouble() * 80);
            var member = random.Next(2) == 0;
            var city = Cities[random.Next(Cities.Length)];
            var risk = ((age - 48) / 15.0) - ((income - 60) / 20.0) + (member ? -0.8 : 0.8) + (city == "Rome" ? 0.7 : 0) + (0.3 * Normal(random));
            var incomeCell = i % 17 == 0 ? string.Empty : F(Math.Round(income, 2));
            csv.Append(CultureInfo.InvariantCulture, $"{1000 + i},{age},{incomeCell},{(member ? "yes" : "no")},{city},{(risk > 0 ? positive : negative)}\n");
        }

        return csv.ToString();
    }

    /// <summary>Three well separated species in four measurements, iris-like.</summary>
    public static string MulticlassCsv(int rows = 240, int seed = 2, string[]? classes = null)
    {
        classes ??= Species;
        var random = new Random(seed);
        var csv = new StringBuilder("sepal_length,sepal_width,petal_length,petal_width,habitat,species\n");
        for (var i = 0; i < rows; i++)
        {
            var k = i % classes.Length;
            csv.Append(CultureInfo.InvariantCulture,
                $"{F(Math.Round(5 + k + (0.4 * Normal(random)), 2))},{F(Math.Round(3 + (0.3 * k) + (0.3 * Normal(random)), 2))},"
                + $"{F(Math.Round(1.5 + (2 * k) + (0.4 * Normal(random)), 2))},{F(Math.Round(0.2 + (0.8 * k) + (0.2 * Normal(random)), 2))},"
                + $"{(random.Next(2) == 0 ? "north" : "south")},{classes[k]}\n");
        }

        return csv.ToString();
    }

    /// <summary>A noisy linear target of two numbers and a category.</summary>
    public static string RegressionCsv(int rows = 300, int seed = 3)
    {
        var random = new Random(seed);
        var csv = new StringBuilder("size,rooms,district,price\n");
        for (var i = 0; i < rows; i++)
        {
            var size = 30 + (random.NextDouble() * 120);
            var rooms = 1 + random.Next(5);
            var district = i % 3 == 0 ? "center" : "suburb";
            var price = (3 * size) + (10 * rooms) + (district == "center" ? 60 : 0) + (5 * Normal(random));
            csv.Append(CultureInfo.InvariantCulture, $"{F(Math.Round(size, 1))},{rooms},{district},{F(Math.Round(price, 1))}\n");
        }

        return csv.ToString();
    }

    public static DatasetFrame Frame(string csv) => SyntheticData.Parse(csv);

    /// <summary>One of scikit-learn's public datasets from tests/data (breast_cancer, iris, wine, diabetes); label <c>target</c>.</summary>
    public static DatasetFrame Public(string name) =>
        Frame(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", name + ".csv")));

    public static TrainingSpec Spec(
        string label,
        ModelTask task = ModelTask.Auto,
        TrainingAlgorithm algorithm = TrainingAlgorithm.Auto,
        ImmutableArray<string> features = default,
        ImmutableDictionary<string, double>? parameters = null,
        double testFraction = 0.2,
        int seed = 42) =>
        new("data", 1, "hash", label, task, algorithm, features.IsDefault ? [] : features,
            parameters ?? (algorithm == TrainingAlgorithm.Auto ? Parameters(("timeBudgetSeconds", 1)) : ImmutableDictionary<string, double>.Empty),
            testFraction, seed);

    public static ImmutableDictionary<string, double> Parameters(params (string Key, double Value)[] parameters) =>
        parameters.ToImmutableDictionary(p => p.Key, p => p.Value);

    /// <summary>A frame row as a prediction request, with each cell in its column's natural type.</summary>
    public static ImmutableDictionary<string, FeatureValue> Row(DatasetFrame frame, int row, params string[] except)
    {
        var values = ImmutableDictionary.CreateBuilder<string, FeatureValue>();
        foreach (var column in frame.Columns.Where(c => !except.Contains(c.Name)))
        {
            var text = column.GetText(row);
            values[column.Name] = text is null ? FeatureValue.Missing
                : column.Kind == ColumnKind.Numeric ? FeatureValue.FromNumber(double.Parse(text, CultureInfo.InvariantCulture))
                : column.Kind == ColumnKind.Boolean ? FeatureValue.FromBoolean(column.Numbers![row] > 0)
                : FeatureValue.FromString(text);
        }

        return values.ToImmutable();
    }

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double Normal(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
