using Microsoft.Extensions.Configuration;

namespace OrleansMl.Hosting;

/// <summary>Whether this process runs in a Kubernetes pod.</summary>
public static class KubernetesHosting
{
    /// <summary>The variable Kubernetes sets in every container (the API server's address).</summary>
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>True when the configuration (environment variables included) names the Kubernetes API server.</summary>
    public static bool InPod(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return !string.IsNullOrEmpty(configuration[ServiceHostVariable]);
    }
}
