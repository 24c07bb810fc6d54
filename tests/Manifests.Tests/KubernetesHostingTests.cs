using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting.Kubernetes;
using OrleansMl.Hosting;

namespace OrleansMl.Manifests.Tests;

/// <summary>The Orleans Kubernetes hosting package is used by cluster-mode silos inside a pod, and nowhere else (it throws there).</summary>
public sealed class KubernetesHostingTests
{
    [Theory]
    [InlineData("Cluster", "10.96.0.1", true)]
    [InlineData("Cluster", null, false)]
    [InlineData("Embedded", "10.96.0.1", false)]
    public void TheHostingPackage_IsUsedOnlyByClusterSilosInsideAPod(string mode, string? apiServer, bool used)
    {
        var data = Path.Combine(Path.GetTempPath(), $"orleansml-k8s-{Guid.NewGuid():N}");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrleansMl:Mode"] = mode,
            ["OrleansMl:PostgresConnectionString"] = "Host=127.0.0.1;Database=orleansml",
            ["OrleansMl:DataDirectory"] = data,
            [KubernetesHosting.ServiceHostVariable] = apiServer,
        });
        try
        {
            builder.AddOrleansMlSilo();
            Assert.Equal(used, builder.Services.Any(s => s.ImplementationType == typeof(KubernetesClusterAgent)));
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
