using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Hosting.Kubernetes;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

namespace OrleansMl.Manifests.Tests;

/// <summary>
/// What no schema knows: the manifests against the application and the Orleans hosting package — settings that
/// exist and validate, the labels and environment the package reads, the API verbs it calls, probes on declared
/// ports, grace periods longer than the shutdown timeouts, selectors that match, and the security baseline.
/// </summary>
public sealed partial class ManifestRulesTests
{
    public static TheoryData<string> Overlays => new() { "overlays/dev", "overlays/production" };

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryOrleansMlVariable_IsARealSetting_AndTheSettingsValidate(string overlay)
    {
        var rendered = Rendered.Of(overlay);
        var known = KnownSettings();
        foreach (var (deployment, container) in Containers(rendered))
        {
            var environment = Manifest.Environment(rendered, container, Manifest.PodValues("10.1.2.3"),
                (_, key) => key == "admin-key" ? "a-generated-admin-key-0123456789abcdef" : "Host=db;Database=orleansml;Username=orleansml;Password=secret");
            foreach (var name in environment.Keys.Where(k => k.StartsWith("OrleansMl__", StringComparison.OrdinalIgnoreCase)))
            {
                Assert.True(known.Contains(name), $"{deployment}/{container.Name}: {name} is not a setting of OrleansMl");
            }

            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(environment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value))).Build();
            var options = configuration.GetSection(OrleansMlOptions.SectionName).Get<OrleansMlOptions>() ?? new OrleansMlOptions();
            var errors = new List<ValidationResult>();
            Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true),
                $"{deployment}/{container.Name}: {string.Join("; ", errors.Select(e => e.ErrorMessage))}");
            Assert.Equal(OrleansMlMode.Cluster, options.Mode);
            if (deployment == "orleansml-gateway")
            {
                // A pod's gateway listens on every interface, which it refuses to do without credentials configured.
                var auth = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
                Assert.True(Validator.TryValidateObject(auth, new ValidationContext(auth), errors, validateAllProperties: true),
                    $"{deployment}/{container.Name}: {string.Join("; ", errors.Select(e => e.ErrorMessage))}");
                Assert.True(auth.CredentialsConfigured, $"{deployment}/{container.Name} sets neither OrleansMl__Auth__AdminKey nor OIDC, so it would refuse to start");
                Assert.Equal(AuthMode.Secure, auth.Mode);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void SiloPods_CarryWhatTheOrleansKubernetesHostingPackageReads(string overlay)
    {
        var rendered = Rendered.Of(overlay);
        var silo = rendered.Single<V1Deployment>("orleansml-silo");
        var container = silo.Spec.Template.Spec.Containers.Single();
        var environment = Manifest.Environment(rendered, container, Manifest.PodValues("10.1.2.3"), (_, _) => "secret");

        // The labels the package selects the cluster's pods by, with the values our silos use as Orleans ids.
        var labels = silo.Spec.Template.Metadata.Labels;
        Assert.Equal(environment.GetValueOrDefault("OrleansMl__ServiceId", new OrleansMlOptions().ServiceId), labels[KubernetesHostingOptions.ServiceIdLabel]);
        Assert.Equal(environment.GetValueOrDefault("OrleansMl__ClusterId", new OrleansMlOptions().ClusterId), labels[KubernetesHostingOptions.ClusterIdLabel]);
        Assert.DoesNotContain(KubernetesHostingOptions.ServiceIdEnvironmentVariable, environment.Keys);
        Assert.DoesNotContain(KubernetesHostingOptions.ClusterIdEnvironmentVariable, environment.Keys);

        // The downward API values it reads, and the pod IP advertised to the other silos and the gateways.
        var fields = container.Env.Where(e => e.ValueFrom?.FieldRef is not null).ToDictionary(e => e.Name, e => e.ValueFrom.FieldRef.FieldPath);
        Assert.Equal("metadata.name", fields[KubernetesHostingOptions.PodNameEnvironmentVariable]);
        Assert.Equal("metadata.namespace", fields[KubernetesHostingOptions.PodNamespaceEnvironmentVariable]);
        Assert.Equal("status.podIP", fields[KubernetesHostingOptions.PodIPEnvironmentVariable]);
        Assert.Equal("10.1.2.3", environment["OrleansMl__AdvertisedAddress"]);
        Assert.Equal("true", environment["OrleansMl__ListenOnAnyAddress"]);

        // Silo and gateway ports are declared container ports, as the NetworkPolicy names them.
        var ports = container.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        Assert.Equal(int.Parse(environment["OrleansMl__SiloPort"], System.Globalization.CultureInfo.InvariantCulture), ports["silo"]);
        Assert.Equal(int.Parse(environment["OrleansMl__GatewayPort"], System.Globalization.CultureInfo.InvariantCulture), ports["orleans-gw"]);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void TheSiloRole_GrantsEveryVerbTheHostingPackageCalls(string overlay)
    {
        var rendered = Rendered.Of(overlay);
        var silo = rendered.Single<V1Deployment>("orleansml-silo").Spec.Template.Spec;
        var binding = rendered.All<V1RoleBinding>().Single(b => b.Subjects.Any(s => s.Kind == "ServiceAccount" && s.Name == silo.ServiceAccountName));
        var role = rendered.Single<V1Role>(binding.RoleRef.Name);
        Assert.Equal("Role", binding.RoleRef.Kind);
        Assert.NotEqual(false, rendered.Single<V1ServiceAccount>(silo.ServiceAccountName).AutomountServiceAccountToken);
        Assert.NotEqual(false, silo.AutomountServiceAccountToken);

        var used = VerbsCalledByTheHostingPackage();
        Assert.Contains(("get", "pods"), used);
        // Deleting pods is only for DeleteDefunctSiloPods, which OrleansMl leaves off.
        Assert.False(new KubernetesHostingOptions().DeleteDefunctSiloPods);
        foreach (var (verb, resource) in used.Where(u => u.Verb != "delete"))
        {
            Assert.True(role.Rules.Any(r => r.ApiGroups.Contains("") && r.Resources.Contains(resource) && r.Verbs.Contains(verb)),
                $"Role {role.Metadata.Name} does not grant {verb} on {resource}, which Microsoft.Orleans.Hosting.Kubernetes calls.");
        }

        // Nothing else gets an API token.
        foreach (var account in rendered.All<V1ServiceAccount>().Where(a => a.Metadata.Name != silo.ServiceAccountName))
        {
            Assert.False(account.AutomountServiceAccountToken, $"ServiceAccount {account.Metadata.Name} mounts an API token it does not need");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void GracePeriods_OutlastTheShutdownTimeouts(string overlay)
    {
        var rendered = Rendered.Of(overlay);
        var silo = rendered.Single<V1Deployment>("orleansml-silo").Spec.Template.Spec;
        Assert.True(silo.TerminationGracePeriodSeconds > SiloShutdownTimeout().TotalSeconds,
            $"The silo's grace period ({silo.TerminationGracePeriodSeconds} s) must outlast its shutdown timeout ({SiloShutdownTimeout().TotalSeconds} s).");

        var gateway = rendered.Single<V1Deployment>("orleansml-gateway").Spec.Template.Spec;
        var preStop = gateway.Containers.Single().Lifecycle?.PreStop?.Sleep?.Seconds ?? 0;
        Assert.True(preStop > 0, "The gateway pauses before it stops, while the Service stops routing to it.");
        Assert.True(gateway.TerminationGracePeriodSeconds > preStop + new HostOptions().ShutdownTimeout.TotalSeconds,
            $"The gateway's grace period ({gateway.TerminationGracePeriodSeconds} s) must outlast its pause ({preStop} s) and shutdown timeout.");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Probes_CallHealthEndpointsOnTheHttpPortTheProcessListensOn(string overlay)
    {
        foreach (var (deployment, container) in Containers(Rendered.Of(overlay)))
        {
            var urls = container.Args.SkipWhile(a => a != "--urls").Skip(1).First();
            var listening = new Uri(urls).Port;
            var http = container.Ports.Single(p => p.Name == "http");
            Assert.Equal(listening, http.ContainerPort);
            foreach (var (kind, probe) in new[] { ("startup", container.StartupProbe), ("readiness", container.ReadinessProbe), ("liveness", container.LivenessProbe) })
            {
                Assert.True(probe?.HttpGet is not null, $"{deployment}: no {kind} probe");
                Assert.Equal("http", probe.HttpGet.Port.Value);
                Assert.Equal(kind == "readiness" ? "/health/ready" : "/health/live", probe.HttpGet.Path);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Selectors_MatchThePodsTheyMean(string overlay)
    {
        var rendered = Rendered.Of(overlay);
        var deployments = rendered.All<V1Deployment>().ToList();
        foreach (var deployment in deployments)
        {
            Assert.True(Matches(deployment.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels), $"{deployment.Metadata.Name} selects none of its own pods");
        }

        foreach (var hpa in rendered.All<V2HorizontalPodAutoscaler>())
        {
            var target = deployments.Single(d => d.Metadata.Name == hpa.Spec.ScaleTargetRef.Name);
            Assert.Equal("Deployment", hpa.Spec.ScaleTargetRef.Kind);
            Assert.Null(target.Spec.Replicas); // The autoscaler owns the count; a fixed one would be reset on every apply.
            Assert.True(hpa.Spec.MinReplicas >= 1 && hpa.Spec.MinReplicas <= hpa.Spec.MaxReplicas);
        }

        Assert.Equal(deployments.Count, rendered.All<V2HorizontalPodAutoscaler>().Count());
        foreach (var pdb in rendered.All<V1PodDisruptionBudget>())
        {
            // The API server refuses a budget that sets both.
            Assert.True(pdb.Spec.MinAvailable is null ^ pdb.Spec.MaxUnavailable is null, $"PodDisruptionBudget {pdb.Metadata.Name} must set exactly one of minAvailable and maxUnavailable");
            Assert.Single(deployments, d => Matches(pdb.Spec.Selector.MatchLabels, d.Spec.Template.Metadata.Labels));
        }

        Assert.Equal(deployments.Count, rendered.All<V1PodDisruptionBudget>().Count());
        foreach (var service in rendered.All<V1Service>())
        {
            var pods = rendered.Objects.Select(PodTemplate).OfType<V1PodTemplateSpec>().Where(t => Matches(service.Spec.Selector, t.Metadata.Labels)).ToList();
            Assert.True(pods.Count == 1, $"Service {service.Metadata.Name} selects {pods.Count} workloads");
            foreach (var port in service.Spec.Ports)
            {
                Assert.Contains(pods[0].Spec.Containers.SelectMany(c => c.Ports), p => p.Name == port.TargetPort.Value);
            }
        }

        foreach (var policy in rendered.All<V1NetworkPolicy>())
        {
            var pods = rendered.Objects.Select(PodTemplate).OfType<V1PodTemplateSpec>().Where(t => Matches(policy.Spec.PodSelector.MatchLabels, t.Metadata.Labels)).ToList();
            Assert.True(pods.Count == 1, $"NetworkPolicy {policy.Metadata.Name} applies to {pods.Count} workloads");
            var declared = pods[0].Spec.Containers.SelectMany(c => c.Ports).Select(p => p.Name).ToHashSet();
            Assert.All(policy.Spec.Ingress.SelectMany(i => i.Ports), p => Assert.Contains(p.Port.Value, declared));
        }
    }

    [Fact]
    public void OrleansPorts_AreOpenOnlyToPodsOfTheApp()
    {
        var rendered = Rendered.Of("overlays/production");
        var policy = rendered.Single<V1NetworkPolicy>("orleansml-silo");
        foreach (var rule in policy.Spec.Ingress.Where(r => r.Ports.Any(p => p.Port.Value is "silo" or "orleans-gw")))
        {
            var from = Assert.Single(rule.FromProperty);
            Assert.Equal("orleansml", from.PodSelector.MatchLabels["app.kubernetes.io/part-of"]);
            Assert.Null(from.NamespaceSelector);
            Assert.DoesNotContain(rule.Ports, p => p.Port.Value == "http");
        }

        // Every pod of the app carries the label the rule admits.
        Assert.All(rendered.Objects.Select(PodTemplate).OfType<V1PodTemplateSpec>(), t => Assert.Equal("orleansml", t.Metadata.Labels["app.kubernetes.io/part-of"]));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryContainer_RunsAsNonRootOnAReadOnlyFileSystem_WithSecretsFromSecrets(string overlay)
    {
        var rendered = Rendered.Of(overlay);
        foreach (var template in rendered.Objects.Select(PodTemplate).OfType<V1PodTemplateSpec>())
        {
            var pod = template.Spec;
            Assert.True(pod.SecurityContext?.RunAsNonRoot, $"{template.Metadata.Labels["app.kubernetes.io/name"]} may run as root");
            foreach (var container in pod.Containers)
            {
                Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
                Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
                Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
                Assert.NotNull(container.Resources.Requests["memory"]);
                Assert.True(container.Resources.Limits["memory"].ToInt64() >= container.Resources.Requests["memory"].ToInt64());
                foreach (var variable in container.Env ?? [])
                {
                    if (variable.Name is "OrleansMl__PostgresConnectionString" or "OrleansMl__Auth__AdminKey" or "POSTGRES_PASSWORD")
                    {
                        Assert.NotNull(variable.ValueFrom?.SecretKeyRef);
                    }
                }
            }
        }
    }

    [Fact]
    public void Production_PinsImagesFromARegistry_AndNamesSecretsItDoesNotContain()
    {
        var rendered = Rendered.Of("overlays/production");
        Assert.Empty(rendered.All<V1Secret>());
        foreach (var template in rendered.Objects.Select(PodTemplate).OfType<V1PodTemplateSpec>())
        {
            foreach (var container in template.Spec.Containers)
            {
                Assert.Matches("^[a-z0-9.-]+\\.[a-z]+/.+:[0-9][^:]*$", container.Image);
            }
        }

        var secrets = rendered.Objects.Select(PodTemplate).OfType<V1PodTemplateSpec>()
            .SelectMany(t => t.Spec.Containers).SelectMany(c => c.Env ?? []).Select(e => e.ValueFrom?.SecretKeyRef).OfType<V1SecretKeySelector>()
            .Select(s => $"{s.Name}/{s.Key}").ToHashSet();
        Assert.Equal(["orleansml-auth/admin-key", "orleansml-postgres/connection-string"], secrets.Order());
    }

    [Fact]
    public void Dockerfiles_RunTheHostsAsTheUserTheManifestsName_OnTheDeclaredPorts()
    {
        var rendered = Rendered.Of("overlays/production");
        foreach (var (project, deployment) in new[] { ("Silo", "orleansml-silo"), ("Gateway", "orleansml-gateway") })
        {
            var dockerfile = File.ReadAllText(Path.Combine(Rendered.RepositoryRoot, project, "Dockerfile"));
            var pod = rendered.Single<V1Deployment>(deployment).Spec.Template.Spec;
            var final = dockerfile[dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];
            Assert.Equal(pod.SecurityContext.RunAsUser?.ToString(System.Globalization.CultureInfo.InvariantCulture), Directive(final, "USER"));
            var exposed = Directive(final, "EXPOSE")!.Split(' ').Select(int.Parse).Order().ToList();
            Assert.Equal(pod.Containers.Single().Ports.Select(p => p.ContainerPort).Order(), exposed);
            var entry = Directive(final, "ENTRYPOINT")!;
            var assembly = Path.Combine(Rendered.RepositoryRoot, project, "bin", Configuration, "net10.0", EntryAssembly(entry));
            Assert.True(File.Exists(assembly), $"{project}/Dockerfile starts {EntryAssembly(entry)}, which the build does not produce");
        }
    }

    [Fact]
    public void TheRuntimeImages_InstallTheSystemLibrariesTheNativeLibrariesNeed()
    {
        // What the ASP.NET runtime image ships (runtime-deps); anything else must be installed by the Dockerfile.
        string[] inBaseImage = ["libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libz.so.1"];
        var packages = new Dictionary<string, string> { ["libgomp.so.1"] = "libgomp1" };
        foreach (var project in new[] { "Silo", "Gateway" })
        {
            var native = Path.Combine(Rendered.RepositoryRoot, project, "bin", Configuration, "net10.0", "runtimes", "linux-x64", "native");
            var dockerfile = File.ReadAllText(Path.Combine(Rendered.RepositoryRoot, project, "Dockerfile"));
            var needed = Directory.GetFiles(native, "*.so").SelectMany(Needed).Distinct().Where(l => !inBaseImage.Contains(l)).ToList();
            Assert.Contains("libgomp.so.1", needed); // LightGBM's, the reason the images install anything
            // Loaded at run time rather than linked: LLVM's OpenMP runtime, which LightGBM runs on when it is installed.
            Assert.True(dockerfile.Contains("libomp5", StringComparison.Ordinal), $"{project}/Dockerfile does not install libomp5 (LLVM's OpenMP runtime)");
            foreach (var library in needed)
            {
                Assert.True(packages.TryGetValue(library, out var package) && dockerfile.Contains(package, StringComparison.Ordinal),
                    $"{project}'s native libraries need {library}, which {project}/Dockerfile does not install");
            }
        }
    }

    [Fact]
    public void TheImages_LaunchProfilesAndClusterScript_SetTheSameCompilationSettings()
    {
        // The runtime reads these only from the environment: whatever starts a server must set them (README, Performance).
        string[] settings = ["DOTNET_TC_CallCountingDelayMs", "DOTNET_TC_CallCountThreshold"];
        string[] files = ["Gateway/Dockerfile", "Silo/Dockerfile", "Gateway/Properties/launchSettings.json", "Silo/Properties/launchSettings.json", "scripts/cluster.sh", "bench/bench.py"];
        foreach (var file in files)
        {
            var text = File.ReadAllText(Path.Combine(Rendered.RepositoryRoot, file));
            foreach (var setting in settings)
            {
                Assert.True(text.Contains(setting, StringComparison.Ordinal), $"{file} does not set {setting}");
            }

            Assert.Matches(@"DOTNET_TC_CallCountThreshold[""'=:\s{}\-$A-Za-z_]*200", text);
        }
    }

    /// <summary>Every <c>OrleansMl__...</c> variable some options class binds.</summary>
    private static HashSet<string> KnownSettings()
    {
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var assemblies = new[] { typeof(OrleansMlOptions).Assembly, typeof(Program).Assembly };
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() is string section
                && (section == OrleansMlOptions.SectionName || section.StartsWith(OrleansMlOptions.SectionName + ":", StringComparison.Ordinal)))
            {
                AddProperties(known, section.Replace(":", "__", StringComparison.Ordinal), type);
            }
        }

        return known;
    }

    private static void AddProperties(HashSet<string> known, string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var scalar = property.PropertyType.IsPrimitive || property.PropertyType.IsEnum || property.PropertyType == typeof(string)
                || Nullable.GetUnderlyingType(property.PropertyType) is not null || property.PropertyType == typeof(TimeSpan);
            if (scalar)
            {
                known.Add($"{prefix}__{property.Name}");
            }
            else
            {
                AddProperties(known, $"{prefix}__{property.Name}", property.PropertyType);
            }
        }
    }

    /// <summary>The Kubernetes API calls of Microsoft.Orleans.Hosting.Kubernetes, read from its assembly, as (verb, resource).</summary>
    private static HashSet<(string Verb, string Resource)> VerbsCalledByTheHostingPackage()
    {
        using var stream = File.OpenRead(typeof(KubernetesHostingOptions).Assembly.Location);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var calls = new HashSet<(string, string)>();
        foreach (var handle in metadata.MemberReferences)
        {
            var match = ApiCall().Match(metadata.GetString(metadata.GetMemberReference(handle).Name));
            if (match.Success)
            {
                var verb = match.Groups["verb"].Value switch
                {
                    "Read" => "get",
                    "List" => "list",
                    "WatchList" or "Watch" => "watch",
                    "Patch" => "patch",
                    "Delete" => "delete",
                    "Create" => "create",
                    "Replace" => "update",
                    var other => other.ToLowerInvariant(),
                };
                calls.Add((verb, match.Groups["resource"].Value.ToLowerInvariant() + "s"));
            }
        }

        Assert.NotEmpty(calls);
        return calls;
    }

    private static TimeSpan SiloShutdownTimeout()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OrleansMl:Mode"] = "Cluster",
            ["OrleansMl:PostgresConnectionString"] = "Host=127.0.0.1;Database=orleansml",
        });
        builder.AddOrleansMlSilo();
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
    }

    private static IEnumerable<(string Deployment, V1Container Container)> Containers(Rendered rendered) =>
        rendered.All<V1Deployment>().Where(d => d.Metadata.Name.StartsWith("orleansml-", StringComparison.Ordinal))
            .SelectMany(d => d.Spec.Template.Spec.Containers.Select(c => (d.Metadata.Name, c)));

    private static V1PodTemplateSpec? PodTemplate(object o) => o switch
    {
        V1Deployment d => d.Spec.Template,
        V1StatefulSet s => s.Spec.Template,
        V1Job j => j.Spec.Template,
        _ => null,
    };

    private static bool Matches(IDictionary<string, string> selector, IDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);

    private static string? Directive(string dockerfile, string name) =>
        dockerfile.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))?[(name.Length + 1)..].Trim();

    private static string EntryAssembly(string entrypoint) => EntryDll().Match(entrypoint).Value;

    private static IEnumerable<string> Needed(string library)
    {
        var start = new System.Diagnostics.ProcessStartInfo("ldd", [library]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split('\n').Select(l => l.Trim().Split(' ')[0]).Where(l => l.StartsWith("lib", StringComparison.Ordinal));
    }

    internal static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    [GeneratedRegex("^(?<verb>Read|List|WatchList|Watch|Patch|Delete|Create|Replace)Namespaced(?<resource>[A-Z][a-z]+)(WithHttpMessages)?Async$")]
    private static partial Regex ApiCall();

    [GeneratedRegex(@"OrleansMl\.[A-Za-z]+\.dll")]
    private static partial Regex EntryDll();
}
