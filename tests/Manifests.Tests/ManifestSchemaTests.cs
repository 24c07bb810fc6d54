using k8s;

namespace OrleansMl.Manifests.Tests;

/// <summary>Every folder under <c>k8s/</c> renders, and every object it renders loads strictly.</summary>
public sealed class ManifestSchemaTests
{
    public static TheoryData<string> Folders => new() { "base", "overlays/dev", "overlays/production", "monitoring" };

    [Theory]
    [MemberData(nameof(Folders))]
    public void Kustomize_RendersObjectsThatLoadStrictly(string folder)
    {
        var rendered = Rendered.Of(folder);
        var documents = rendered.Yaml.Split("\n---\n").Count(d => d.Contains("kind:", StringComparison.Ordinal));
        Assert.True(rendered.Objects.Count > 0, $"k8s/{folder} renders nothing");
        Assert.Equal(documents, rendered.Objects.Count);
    }

    [Fact]
    public void StrictLoad_RefusesAnUnknownField()
    {
        var yaml = Rendered.Of("overlays/production").Yaml.Replace("serviceAccountName: orleansml-silo", "serviceAcountName: orleansml-silo", StringComparison.Ordinal);
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true));
    }

    [Fact]
    public void StrictLoad_RefusesAValueOfTheWrongType()
    {
        var yaml = Rendered.Of("overlays/production").Yaml.Replace("containerPort: 11111", "containerPort: eleven", StringComparison.Ordinal);
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, typeMap: null, strict: true));
    }
}
