namespace OrleansMl.Hosting;

/// <summary>Whether this process runs in a Kubernetes pod.</summary>
public static class KubernetesHosting
{
    /// <summary>The variable Kubernetes sets in every container (the API server's address).</summary>
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    public static bool InPod => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ServiceHostVariable));
}
