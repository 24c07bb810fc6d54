using System.Text;
using k8s.Models;

namespace OrleansMl.Manifests.Tests;

/// <summary>What the kubelet gives a container: its environment, built from the rendered objects.</summary>
public static class Manifest
{
    /// <summary>Downward-API values of a pod whose IP is <paramref name="ip"/>.</summary>
    public static IReadOnlyDictionary<string, string> PodValues(string ip, string name = "orleansml-test-0", string @namespace = "orleansml") =>
        new Dictionary<string, string>
        {
            ["metadata.name"] = name,
            ["metadata.namespace"] = @namespace,
            ["status.podIP"] = ip,
        };

    /// <summary>
    /// The container's environment as the kubelet builds it: every key of the ConfigMaps in <c>envFrom</c>, then
    /// <c>env</c> in order, with downward-API fields from <paramref name="pod"/>, Secret keys from
    /// <paramref name="secret"/> (name, key), and <c>$(NAME)</c> replaced by a variable defined before it.
    /// </summary>
    public static Dictionary<string, string> Environment(
        Rendered rendered, V1Container container, IReadOnlyDictionary<string, string> pod, Func<string, string, string> secret)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(secret);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            var map = rendered.All<V1ConfigMap>().Single(c => c.Metadata.Name == source.ConfigMapRef.Name);
            foreach (var (key, value) in map.Data)
            {
                environment[key] = value;
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            environment[variable.Name] = variable.ValueFrom switch
            {
                null => Expand(variable.Value ?? "", environment),
                { FieldRef: { } field } => pod[field.FieldPath],
                { SecretKeyRef: { } key } => secret(StripHash(rendered, key.Name), key.Key),
                { ConfigMapKeyRef: { } key } => rendered.All<V1ConfigMap>().Single(c => c.Metadata.Name == key.Name).Data[key.Key],
                _ => throw new NotSupportedException($"{container.Name}: {variable.Name} has a source the tests do not know"),
            };
        }

        return environment;
    }

    /// <summary><c>$(NAME)</c> becomes the value of a variable defined before; <c>$$</c> is a literal <c>$</c>.</summary>
    public static string Expand(string value, IReadOnlyDictionary<string, string> defined)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(defined);
        var result = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '$')
            {
                result.Append('$');
                i++;
            }
            else if (value[i] == '$' && i + 1 < value.Length && value[i + 1] == '(' && value.IndexOf(')', i) is var end and > 0
                && defined.TryGetValue(value[(i + 2)..end], out var replacement))
            {
                result.Append(replacement);
                i = end;
            }
            else
            {
                result.Append(value[i]);
            }
        }

        return result.ToString();
    }

    /// <summary>A generated Secret's name without the hash kustomize appends (dev generates its Secrets).</summary>
    private static string StripHash(Rendered rendered, string name) =>
        rendered.All<V1Secret>().Any(s => s.Metadata.Name == name) && name.LastIndexOf('-') is var dash and > 0 ? name[..dash] : name;
}
