using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    [InlineData("--OrleansMl:Limits:Connections=-1", "OrleansMl__Limits__Connections")]
    public async Task AnInvalidSetting_StopsTheGateway_WithAMessageNamingTheEnvironmentVariable(string setting, string variable)
    {
        var message = await StartFailsAsync(setting);

        Assert.Contains(variable, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--OrleansMl:TrainingConcurrency=abc", "OrleansMl:TrainingConcurrency is 'abc', which is not a whole number: set OrleansMl__TrainingConcurrency.")]
    [InlineData("--OrleansMl:DatasetCacheTtl=soon", "OrleansMl:DatasetCacheTtl is 'soon', which is not a time span such as 00:30:00 or 7.00:00:00: set OrleansMl__DatasetCacheTtl.")]
    [InlineData("--OrleansMl:Auth:Mode=weird", "OrleansMl:Auth:Mode is 'weird', which is not one of Secure, Open: set OrleansMl__Auth__Mode.")]
    [InlineData("--Mcp:DirectPredict=maybe", "Mcp:DirectPredict is 'maybe', which is not true or false: set Mcp__DirectPredict.")]
    public async Task AValueThatDoesNotParse_StopsTheGateway_WithOneLineNamingTheSetting(string setting, string expected)
    {
        var message = await StartFailsAsync(setting);

        Assert.Contains("OrleansMl cannot start: " + expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADataDirectoryThatCannotBeCreated_StopsTheGateway_NamingIt()
    {
        Directory.CreateDirectory(_data);
        var file = Path.Combine(_data, "a-file");
        await File.WriteAllTextAsync(file, "not a folder");

        var message = await StartFailsAsync($"--OrleansMl:DataDirectory={Path.Combine(file, "data")}");

        Assert.Contains($"OrleansMl:DataDirectory '{Path.Combine(file, "data")}' cannot be created", message, StringComparison.Ordinal);
        Assert.Contains("set OrleansMl__DataDirectory", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SiloPort")]
    [InlineData("GatewayPort")]
    public async Task APortAnotherProcessListensOn_StopsTheGateway_EvenWhenThatProcessSharesItsPort(string setting)
    {
        // Listening as Orleans does: with address reuse, which on Linux lets a second listener share the port unnoticed.
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        other.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        other.Listen();
        var port = ((IPEndPoint)other.LocalEndPoint!).Port;

        var message = await StartFailsAsync($"--OrleansMl:{setting}={port}");

        Assert.Contains($"OrleansMl cannot start: OrleansMl:{setting} {port} on 127.0.0.1 is taken", message, StringComparison.Ordinal);
        Assert.Contains($"set OrleansMl__{setting} to a free port", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondGateway_OnTheSameDataDirectory_Stops_AndTheFirstServesOn_AndAfterItIsKilledTheFolderIsFree()
    {
        var first = await GatewayProcess.StartAsync(_data);
        try
        {
            // Its own free ports, the first one's data directory.
            var message = await StartFailsAsync();

            Assert.Contains($"OrleansMl cannot start: OrleansMl:DataDirectory '{_data}' is in use by another OrleansMl gateway or silo", message, StringComparison.Ordinal);
            Assert.Contains("set OrleansMl__DataDirectory to another folder", message, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await first.Http.GetAsync("/health/ready")).StatusCode);
        }
        finally
        {
            await first.KillAsync();
            await first.DisposeAsync();
        }

        // The lock went with the killed process: nothing stale is left to clear by hand.
        await using var next = await GatewayProcess.StartAsync(_data);
        Assert.Equal(HttpStatusCode.OK, (await next.Http.GetAsync("/health/ready")).StatusCode);
    }

    [Theory]
    [InlineData("--OrleansMl:MaxPredictionRows=many", "OrleansMl:MaxPredictionRows is 'many', which is not a whole number: set OrleansMl__MaxPredictionRows.")]
    [InlineData("--OrleansMl:Limits:Connections=-1", "OrleansMl:Limits:Connections must be 0 (off) or more; set OrleansMl__Limits__Connections.")]
    public async Task ASiloProcess_StopsTheSameWay(string setting, string expected)
    {
        var silo = GatewayProcess.SiloAssembly();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { silo, $"--OrleansMl:DataDirectory={_data}", setting })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true); // It kept running: the test fails on the cancelled wait.
            }
        }

        Assert.Equal(1, process.ExitCode);
        Assert.Equal("OrleansMl cannot start: " + expected, (await error).Trim());
        Assert.DoesNotContain("Unhandled exception", await output, StringComparison.Ordinal);
    }

    /// <summary>Starts a gateway that must stop with exit code 1 and a message instead of an unhandled exception; returns its output.</summary>
    private async Task<string> StartFailsAsync(params string[] settings)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayProcess.StartAsync(_data, settings));

        Assert.Contains("The gateway exited with code 1:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", error.Message, StringComparison.Ordinal);
        return error.Message;
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
