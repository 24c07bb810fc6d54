using System.Diagnostics;
using System.Text.Json.Nodes;
using OrleansMl.Tests.Support;
using Xunit.Abstractions;

namespace OrleansMl.Gateway.Tests.Operations;

/// <summary>The sample internal service (<c>samples/InternalClient</c>) against a running cluster, as a separate process.</summary>
[Collection(ClusterProcessesCollection.Name)]
public sealed class InternalClientSampleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TheSampleClient_JoinsThroughPostgres_TrainsAndPredictsWithGrainCalls()
    {
        await using var cluster = await LocalCluster.StartAsync(silos: 2, gateways: 1);
        var sample = Path.Combine(RestApiTests.RepositoryRoot(), "samples", "InternalClient", "bin", GatewayProcess.Configuration, "net10.0", "OrleansMl.Samples.InternalClient.dll");
        Assert.True(File.Exists(sample), $"Build the sample first: {sample}");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(sample);
        start.ArgumentList.Add(cluster.ConnectionString);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout;
        output.WriteLine(text);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{text}\n{await stderr}\n{cluster.Logs()}");
        Assert.Contains("dataset churn-internal v1: 1200 rows", text, StringComparison.Ordinal);
        Assert.Contains("model churn-internal v1: Succeeded", text, StringComparison.Ordinal);
        Assert.Matches("prediction from v1: (yes|no)", text);

        // What the service did through grain calls is what everyone else sees through the gateway.
        var model = JsonNode.Parse(await cluster.Http.GetStringAsync("/api/models/churn-internal"))!;
        Assert.Equal("succeeded", model["versions"]![0]!["status"]!.GetValue<string>());
    }
}
