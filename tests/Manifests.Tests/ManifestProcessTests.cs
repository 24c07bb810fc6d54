using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;
using OrleansMl.Tests.Support;
using Xunit.Abstractions;

namespace OrleansMl.Manifests.Tests;

/// <summary>
/// The production overlay, exercised without a cluster: the schema Job, a silo and a gateway run as processes with
/// exactly the entry point of their images and the arguments and environment of their containers — downward-API
/// values replaced by loopback, the Secrets by a test PostgreSQL and a generated admin key, and each container port
/// mapped to a free local port as a pod network would give it its own. Every declared probe is called on its
/// declared port; SIGTERM must end each process within its grace period. Memory at rest and under load is measured
/// against the requests and limits.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class ManifestProcessTests(PostgresFixture postgres, ITestOutputHelper output)
{
    // Enough to move memory (a 8 MB upload parsed, two models trained) without starving tests that run alongside.
    private const int LoadRows = 50_000;

    [Fact]
    public async Task ProductionContainers_AnswerTheirProbes_StayWithinTheirMemory_AndStopWithinTheirGracePeriod()
    {
        var rendered = Rendered.Of("overlays/production");
        var database = await postgres.CreateDatabaseAsync();
        var adminKey = Convert.ToHexString(Guid.NewGuid().ToByteArray()) + Convert.ToHexString(Guid.NewGuid().ToByteArray());
        string Secret(string name, string key) => (name, key) switch
        {
            ("orleansml-postgres", "connection-string") => database,
            ("orleansml-auth", "admin-key") => adminKey,
            _ => throw new InvalidOperationException($"The manifests name a Secret the test does not provide: {name}/{key}"),
        };

        // The schema Job runs to completion first.
        var job = rendered.Single<V1Job>("orleansml-migrate").Spec.Template.Spec;
        await using (var migrate = Container.Start(rendered, "Silo", job.Containers.Single(), job, Secret, "orleansml-migrate-x1"))
        {
            Assert.True(await migrate.WaitForExitAsync(TimeSpan.FromSeconds(120)), $"The migrate Job did not finish:\n{migrate.Log}");
            Assert.True(migrate.ExitCode == 0, $"The migrate Job failed ({migrate.ExitCode}):\n{migrate.Log}");
        }

        var siloPod = rendered.Single<V1Deployment>("orleansml-silo").Spec.Template.Spec;
        var gatewayPod = rendered.Single<V1Deployment>("orleansml-gateway").Spec.Template.Spec;
        await using var silo = Container.Start(rendered, "Silo", siloPod.Containers.Single(), siloPod, Secret, "orleansml-silo-x1");
        await using var gateway = Container.Start(rendered, "Gateway", gatewayPod.Containers.Single(), gatewayPod, Secret, "orleansml-gateway-x1");
        try
        {
            foreach (var container in new[] { silo, gateway })
            {
                var ready = await container.ProbeUntilReadyAsync();
                output.WriteLine($"{container.Name}: startup, readiness and liveness probes answered 200; ready {ready.TotalSeconds:F1} s after start");
            }

            await Task.Delay(TimeSpan.FromSeconds(5));
            var siloAtRest = silo.ResidentBytes();
            var gatewayAtRest = gateway.ResidentBytes();

            var (siloPeak, gatewayPeak, predictions) = await LoadAsync(gateway, adminKey, silo);
            output.WriteLine(Invariant($"memory (RSS): silo {Mb(siloAtRest)} at rest, {Mb(siloPeak)} peak under load; gateway {Mb(gatewayAtRest)} at rest, {Mb(gatewayPeak)} peak under load ({LoadRows:N0}-row upload, two trainings, {predictions} predictions from 4 connections)"));
            output.WriteLine(Invariant($"requests/limits: silo {Mb(silo.MemoryRequest)}/{Mb(silo.MemoryLimit)}, gateway {Mb(gateway.MemoryRequest)}/{Mb(gateway.MemoryLimit)}"));
            Assert.True(siloAtRest < silo.MemoryRequest, $"The silo at rest ({Mb(siloAtRest)}) needs more than it requests ({Mb(silo.MemoryRequest)}).");
            Assert.True(gatewayAtRest < gateway.MemoryRequest, $"The gateway at rest ({Mb(gatewayAtRest)}) needs more than it requests ({Mb(gateway.MemoryRequest)}).");
            Assert.True(siloPeak < silo.MemoryLimit, $"The silo under load ({Mb(siloPeak)}) exceeds its limit ({Mb(silo.MemoryLimit)}).");
            Assert.True(gatewayPeak < gateway.MemoryLimit, $"The gateway under load ({Mb(gatewayPeak)}) exceeds its limit ({Mb(gateway.MemoryLimit)}).");

            // As Kubernetes stops a pod: the gateway's preStop pause comes out of its grace period, then SIGTERM.
            foreach (var container in new[] { gateway, silo })
            {
                var stopped = await container.TerminateAsync();
                output.WriteLine(Invariant($"{container.Name}: SIGTERM to exit {stopped.TotalSeconds:F2} s (exit code {container.ExitCode}); grace period {container.GracePeriod.TotalSeconds:F0} s, preStop {container.PreStop.TotalSeconds:F0} s"));
                Assert.True(stopped < container.GracePeriod - container.PreStop, $"{container.Name} took {stopped.TotalSeconds:F1} s to stop:\n{container.Log}");
                Assert.Equal(0, container.ExitCode);
            }
        }
        catch
        {
            output.WriteLine(silo.Log);
            output.WriteLine(gateway.Log);
            throw;
        }
    }

    /// <summary>Upload, two trainings and a stream of predictions through the gateway, sampling both processes' memory.</summary>
    private static async Task<(long Silo, long Gateway, int Predictions)> LoadAsync(Container gateway, string adminKey, Container silo)
    {
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress, Timeout = TimeSpan.FromMinutes(3) };
        http.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        long siloPeak = 0, gatewayPeak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                siloPeak = Math.Max(siloPeak, silo.ResidentBytes());
                gatewayPeak = Math.Max(gatewayPeak, gateway.ResidentBytes());
                await Task.Delay(100);
            }
        });

        using (var upload = await http.PostAsync("/api/datasets/load", new StringContent(Csv(LoadRows), Encoding.UTF8, "text/csv")))
        {
            Assert.True(upload.StatusCode == HttpStatusCode.Created, $"upload: {(int)upload.StatusCode} {await upload.Content.ReadAsStringAsync()}");
        }

        foreach (var algorithm in new[] { "fasttree", "linear" })
        {
            using var train = await http.PostAsJsonAsync("/api/models/load/train", new { dataset = "load", label = "label", algorithm }, JsonSerializerOptions.Web);
            Assert.Equal(HttpStatusCode.Accepted, train.StatusCode);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        for (var version = 1; version <= 2; version++)
        {
            while (true)
            {
                var node = JsonNode.Parse(await http.GetStringAsync($"/api/models/load/versions/{version}"))!;
                var status = node["status"]!.GetValue<string>();
                if (status != "queued" && status != "running")
                {
                    Assert.True(status == "succeeded", node.ToJsonString());
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"v{version} did not finish: {node.ToJsonString()}");
                await Task.Delay(200);
            }
        }

        var row = Enumerable.Range(0, 20).ToDictionary(i => $"f{i}", i => (object)(i * 0.1));
        var predictions = 0;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (DateTime.UtcNow < until)
            {
                using var predict = await http.PostAsJsonAsync("/api/models/load/predict", new { rows = new[] { row } }, JsonSerializerOptions.Web);
                Assert.Equal(HttpStatusCode.OK, predict.StatusCode);
                Interlocked.Increment(ref predictions);
            }
        }));

        await sampling.CancelAsync();
        await sampler;
        return (siloPeak, gatewayPeak, predictions);
    }

    /// <summary>20 numeric features and a binary label that depends on a few of them.</summary>
    private static string Csv(int rows)
    {
        var random = new Random(7);
        var csv = new StringBuilder(rows * 160);
        csv.AppendJoin(',', Enumerable.Range(0, 20).Select(i => $"f{i}")).Append(",label\n");
        var values = new double[20];
        for (var r = 0; r < rows; r++)
        {
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Math.Round(random.NextDouble() * 2 - 1, 4);
            }

            csv.AppendJoin(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
            csv.Append(values[0] + values[1] * 0.5 - values[2] + random.NextDouble() * 0.3 > 0 ? ",yes\n" : ",no\n");
        }

        return csv.ToString();
    }

    private static string Mb(long bytes) => Invariant($"{bytes / (1024.0 * 1024.0):F0} MiB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>One container of a pod, run as a local process.</summary>
    private sealed partial class Container : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _log = new();
        private readonly V1Container _spec;
        private readonly Dictionary<string, int> _ports;
        private readonly Stopwatch _started = Stopwatch.StartNew();

        private Container(string name, Process process, V1Container spec, V1PodSpec pod, Dictionary<string, int> ports)
        {
            Name = name;
            _process = process;
            _spec = spec;
            _ports = ports;
            GracePeriod = TimeSpan.FromSeconds(pod.TerminationGracePeriodSeconds ?? 30);
            PreStop = TimeSpan.FromSeconds(spec.Lifecycle?.PreStop?.Sleep?.Seconds ?? 0);
            MemoryRequest = spec.Resources.Requests["memory"].ToInt64();
            MemoryLimit = spec.Resources.Limits["memory"].ToInt64();
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Name { get; }

        public TimeSpan GracePeriod { get; }

        public TimeSpan PreStop { get; }

        public long MemoryRequest { get; }

        public long MemoryLimit { get; }

        public int ExitCode => _process.ExitCode;

        public Uri HttpAddress => new($"http://127.0.0.1:{_ports["http"]}");

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return $"--- {Name}\n{_log}";
                }
            }
        }

        /// <summary>
        /// Starts the image's entry point (its Dockerfile's ENTRYPOINT, in the build output that the image publishes)
        /// with the container's arguments and environment, each declared container port mapped to a free local port.
        /// </summary>
        public static Container Start(Rendered rendered, string project, V1Container spec, V1PodSpec pod, Func<string, string, string> secret, string podName)
        {
            var ports = (spec.Ports ?? []).ToDictionary(p => p.Name, _ => TcpPorts.Free());
            var byNumber = (spec.Ports ?? []).ToDictionary(p => p.ContainerPort.ToString(CultureInfo.InvariantCulture), p => ports[p.Name].ToString(CultureInfo.InvariantCulture));
            string Map(string value) => byNumber.TryGetValue(value, out var mapped)
                ? mapped
                : UrlPort().Replace(value, m => ":" + byNumber.GetValueOrDefault(m.Groups[1].Value, m.Groups[1].Value));

            var folder = Path.Combine(Rendered.RepositoryRoot, project, "bin", ManifestRulesTests.Configuration, "net10.0");
            var entrypoint = JsonSerializer.Deserialize<string[]>(Directive(File.ReadAllText(Path.Combine(Rendered.RepositoryRoot, project, "Dockerfile")), "ENTRYPOINT"))!;
            var start = new ProcessStartInfo(entrypoint[0])
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in entrypoint.Skip(1).Select(a => a.EndsWith(".dll", StringComparison.Ordinal) ? Path.Combine(folder, a) : a).Concat((spec.Args ?? []).Select(Map)))
            {
                start.ArgumentList.Add(argument);
            }

            // Only what the container would have: the base image's settings and the manifest's environment.
            var path = System.Environment.GetEnvironmentVariable("PATH");
            start.Environment.Clear();
            start.Environment["PATH"] = path;
            start.Environment["HOME"] = Path.GetTempPath();
            start.Environment["DOTNET_RUNNING_IN_CONTAINER"] = "true";
            start.Environment["ASPNETCORE_HTTP_PORTS"] = ports.TryGetValue("http", out var http) ? http.ToString(CultureInfo.InvariantCulture) : "8080";
            foreach (var (name, value) in Manifest.Environment(rendered, spec, Manifest.PodValues("127.0.0.1", podName), secret))
            {
                start.Environment[name] = Map(value);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException($"{entrypoint[0]} did not start");
            return new Container(podName, process, spec, pod, ports);
        }

        /// <summary>
        /// Calls the startup probe as the kubelet would (every period, up to its failure threshold), then the readiness
        /// probe until it passes, then the liveness probe once; every call on the probe's declared port.
        /// </summary>
        public async Task<TimeSpan> ProbeUntilReadyAsync()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var startup = _spec.StartupProbe;
            await PollAsync(http, startup, startup.FailureThreshold ?? 3);
            // Under load on a shared machine joining may take a while; the kubelet would simply keep the pod unready.
            await PollAsync(http, _spec.ReadinessProbe, Math.Max(_spec.ReadinessProbe.FailureThreshold ?? 3, 24));
            var ready = _started.Elapsed;
            using var live = await http.GetAsync(ProbeUri(_spec.LivenessProbe));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            return ready;
        }

        public long ResidentBytes()
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }

            throw new InvalidOperationException($"No VmRSS for {Name}");
        }

        /// <summary>Sends SIGTERM and returns how long the process took to exit.</summary>
        public async Task<TimeSpan> TerminateAsync()
        {
            using var kill = Process.Start("bash", ["-c", $"kill -TERM {_process.Id.ToString(CultureInfo.InvariantCulture)}"]);
            var clock = Stopwatch.StartNew();
            await kill.WaitForExitAsync();
            Assert.True(await WaitForExitAsync(GracePeriod + TimeSpan.FromSeconds(30)), $"{Name} did not exit after SIGTERM");
            return clock.Elapsed;
        }

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        private async Task PollAsync(HttpClient http, V1Probe probe, int attempts)
        {
            var period = TimeSpan.FromSeconds(probe.PeriodSeconds ?? 10);
            for (var attempt = 1; ; attempt++)
            {
                if (_process.HasExited)
                {
                    Assert.Fail($"{Name} exited ({_process.ExitCode}) before its probe passed:\n{Log}");
                }

                try
                {
                    using var response = await http.GetAsync(ProbeUri(probe));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet: a failed probe.
                }
                catch (TaskCanceledException)
                {
                }

                Assert.True(attempt < attempts, $"{Name}: {probe.HttpGet.Path} on port {probe.HttpGet.Port.Value} failed {attempts} times:\n{Log}");
                await Task.Delay(period);
            }
        }

        private Uri ProbeUri(V1Probe probe) => new(HttpAddress.Scheme + "://127.0.0.1:" + _ports[probe.HttpGet.Port.Value].ToString(CultureInfo.InvariantCulture) + probe.HttpGet.Path);

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(line);
                }
            }
        }

        private static string Directive(string dockerfile, string name) =>
            dockerfile.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..].Trim();

        [GeneratedRegex(@":(\d+)\b")]
        private static partial Regex UrlPort();
    }
}
