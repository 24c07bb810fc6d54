namespace OrleansMl.Manifests.Tests;

/// <summary>
/// The kustomizations keep to what kustomize 2 reads (kubectl 1.20, Debian's kubernetes-client, which <c>.ci/run</c>
/// installs when kubectl is missing): directories only under <c>bases</c>, patches only as <c>patchesJson6902</c>
/// files, generator settings only in <c>generatorOptions</c>.
/// </summary>
public sealed class KustomizationTests
{
    [Fact]
    public void EveryKustomization_UsesOnlyWhatTheFallbackKubectlReads()
    {
        var files = Directory.GetFiles(Path.Combine(Rendered.RepositoryRoot, "k8s"), "kustomization.yaml", SearchOption.AllDirectories);
        Assert.Equal(4, files.Length);
        foreach (var file in files)
        {
            var folder = Path.GetDirectoryName(file)!;
            var lines = File.ReadAllLines(file).Where(l => !l.TrimStart().StartsWith('#')).ToList();
            Assert.DoesNotContain(lines, l => l.StartsWith("patches:", StringComparison.Ordinal) || l.StartsWith("labels:", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Trim() == "options:");
            var section = "";
            foreach (var line in lines)
            {
                if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
                {
                    section = line.TrimEnd(':');
                }
                else if (section is "resources" or "bases" && line.TrimStart().StartsWith("- ", StringComparison.Ordinal))
                {
                    var path = Path.Combine(folder, line.Trim()[2..]);
                    Assert.True(section == "bases" ? Directory.Exists(path) : File.Exists(path),
                        $"{Path.GetRelativePath(Rendered.RepositoryRoot, file)}: {line.Trim()} belongs under {(Directory.Exists(path) ? "bases" : "resources")}");
                }
            }
        }
    }
}
