namespace OrleansMl.Tests;

public class NamesTests
{
    [Fact]
    public void AnInvalidName_IsQuotedWhole_UpToTwiceTheLimit()
    {
        var name = "-" + new string('a', 127);

        var error = Assert.Throws<InvalidNameException>(() => Names.Validate(name, "model"));

        Assert.Equal($"Invalid model name '{name}': use 1-64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.", error.Message);
    }

    [Fact]
    public void AFarLongerName_IsQuotedByItsStartAndItsLength()
    {
        var error = Assert.Throws<InvalidNameException>(() => Names.Validate(new string('a', 5000), "dataset"));

        Assert.Equal(
            $"Invalid dataset name '{new string('a', 64)}… (5000 characters)': use 1-64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.",
            error.Message);
    }
}
