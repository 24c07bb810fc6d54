using OrleansMl.Tests.Support;

namespace OrleansMl.Gateway.Tests;

/// <summary>Settings are checked when the gateway starts, and a wrong one stops it with the variable to fix.</summary>
public sealed class StartupSettingsTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "orleansml-settings-tests", Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("--OrleansMl:TrainingConcurrency=0", "OrleansMl__TrainingConcurrency")]
    [InlineData("--OrleansMl:MaxUploadMegabytes=0", "OrleansMl__MaxUploadMegabytes")]
    [InlineData("--OrleansMl:Mode=Sharded", "OrleansMl__Mode")]
    [InlineData("--OrleansMl:OpenMpRuntime=intel", "OrleansMl__OpenMpRuntime")]
    public async Task AnInvalidSetting_StopsTheGateway_WithAMessageNamingTheEnvironmentVariable(string setting, string variable)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayProcess.StartAsync(_data, setting));

        Assert.Contains("exited", error.Message, StringComparison.Ordinal);
        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; the folder may never have been created.
        }
    }
}
