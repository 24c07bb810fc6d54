using System.ComponentModel.DataAnnotations;

namespace OrleansMl.Hosting;

/// <summary>
/// Settings of a silo (section <c>OrleansMl</c>; environment variables <c>OrleansMl__Name</c>, e.g.
/// <c>OrleansMl__DataDirectory=/var/lib/orleansml</c>). Bound once and validated when the host starts; grains and
/// services take them as <c>IOptions&lt;OrleansMlOptions&gt;</c>. Every validation message names the variable to set.
/// </summary>
public sealed class OrleansMlOptions : IValidatableObject
{
    public const string SectionName = "OrleansMl";

    /// <summary><c>Embedded</c> (default, one process, no setup) or <c>Cluster</c> (PostgreSQL) (<c>OrleansMl__Mode</c>).</summary>
    public OrleansMlMode Mode { get; set; } = OrleansMlMode.Embedded;

    /// <summary>
    /// The address other silos and clients reach this silo at, in cluster mode (<c>OrleansMl__AdvertisedAddress</c>;
    /// a pod IP on Kubernetes). Default: loopback, for a cluster on one machine.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Listen on every interface rather than only the advertised address (<c>OrleansMl__ListenOnAnyAddress</c>).</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>Where embedded mode keeps its SQLite database and artifacts (<c>OrleansMl__DataDirectory</c>).</summary>
    [Required(ErrorMessage = "OrleansMl:DataDirectory is required: set OrleansMl__DataDirectory to a writable folder.")]
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The PostgreSQL database of cluster mode, as an Npgsql connection string (<c>OrleansMl__PostgresConnectionString</c>,
    /// e.g. <c>Host=db;Database=orleansml;Username=orleansml;Password=...</c>). <c>Silo migrate</c> installs its schema.
    /// </summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>Orleans cluster id (<c>OrleansMl__ClusterId</c>).</summary>
    [Required(ErrorMessage = "OrleansMl:ClusterId is required: set OrleansMl__ClusterId (default orleansml).")]
    public string ClusterId { get; set; } = "orleansml";

    /// <summary>Orleans service id: keys grain state, so keep it stable (<c>OrleansMl__ServiceId</c>).</summary>
    [Required(ErrorMessage = "OrleansMl:ServiceId is required: set OrleansMl__ServiceId (default orleansml); it keys the stored state, so keep it stable.")]
    public string ServiceId { get; set; } = "orleansml";

    /// <summary>Silo-to-silo port (<c>OrleansMl__SiloPort</c>).</summary>
    [Range(1, 65535, ErrorMessage = "OrleansMl:SiloPort must be a TCP port (1-65535); set OrleansMl__SiloPort.")]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port (<c>OrleansMl__GatewayPort</c>).</summary>
    [Range(1, 65535, ErrorMessage = "OrleansMl:GatewayPort must be a TCP port (1-65535); set OrleansMl__GatewayPort.")]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Trainings that run at once on a silo (<c>OrleansMl__TrainingConcurrency</c>); default one per two cores.</summary>
    [Range(1, 256, ErrorMessage = "OrleansMl:TrainingConcurrency must be between 1 and 256; set OrleansMl__TrainingConcurrency.")]
    public int TrainingConcurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>
    /// Threads one training may use (<c>OrleansMl__TrainingThreads</c>). 0 (default) shares all cores but one among
    /// the training slots, at least one each: the spare core keeps predictions fast, and tree learners slow down many
    /// times over when their threads compete for cores.
    /// </summary>
    [Range(0, 256, ErrorMessage = "OrleansMl:TrainingThreads must be between 0 (automatic) and 256; set OrleansMl__TrainingThreads.")]
    public int TrainingThreads { get; set; }

    public int EffectiveTrainingThreads =>
        TrainingThreads > 0 ? TrainingThreads : Math.Max(1, (Environment.ProcessorCount - 1) / Math.Max(1, TrainingConcurrency));

    /// <summary>CSV parses that run at once on a silo (<c>OrleansMl__ParseConcurrency</c>).</summary>
    [Range(1, 256, ErrorMessage = "OrleansMl:ParseConcurrency must be between 1 and 256; set OrleansMl__ParseConcurrency.")]
    public int ParseConcurrency { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Memory for parsed dataset features per silo, in MB (<c>OrleansMl__DatasetCacheMegabytes</c>).</summary>
    [Range(1, 1 << 20, ErrorMessage = "OrleansMl:DatasetCacheMegabytes must be at least 1; set OrleansMl__DatasetCacheMegabytes.")]
    public int DatasetCacheMegabytes { get; set; } = 1024;

    /// <summary>How long an unused dataset version stays cached (<c>OrleansMl__DatasetCacheTtl</c>, e.g. 00:30:00).</summary>
    public TimeSpan DatasetCacheTtl { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Largest accepted dataset upload, in MB (<c>OrleansMl__MaxUploadMegabytes</c>).</summary>
    [Range(1, 1 << 16, ErrorMessage = "OrleansMl:MaxUploadMegabytes must be between 1 and 65536; set OrleansMl__MaxUploadMegabytes.")]
    public int MaxUploadMegabytes { get; set; } = 512;

    /// <summary>Most rows in one prediction request (<c>OrleansMl__MaxPredictionRows</c>).</summary>
    [Range(1, 1_000_000, ErrorMessage = "OrleansMl:MaxPredictionRows must be between 1 and 1000000; set OrleansMl__MaxPredictionRows.")]
    public int MaxPredictionRows { get; set; } = 10_000;

    /// <summary>How often an interrupted job is retried before it is failed (<c>OrleansMl__MaxTrainingAttempts</c>).</summary>
    [Range(1, 100, ErrorMessage = "OrleansMl:MaxTrainingAttempts must be between 1 and 100; set OrleansMl__MaxTrainingAttempts.")]
    public int MaxTrainingAttempts { get; set; } = 3;

    /// <summary>
    /// Cluster mode: how many liveness probes in a row (one about every 5 s, the last through another silo) a silo may
    /// miss before it is declared dead and its grains re-activate elsewhere (<c>OrleansMl__MissedProbesLimit</c>).
    /// Orleans' own default of 3 leaves calls to a crashed silo's grains failing for 10-15 s; 2 keeps that window
    /// under 10 s. Raise it where silos may stall for long pauses without having crashed.
    /// </summary>
    [Range(2, 10, ErrorMessage = "OrleansMl:MissedProbesLimit must be between 2 and 10; set OrleansMl__MissedProbesLimit.")]
    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// Mounts the Orleans Dashboard (silos, activations, grain calls) at <c>/dashboard</c> of the gateway
    /// (<c>OrleansMl__Dashboard</c>). Off by default: its profiler sees every grain call, predictions included, and it
    /// shows grain state. In cluster mode set it on the silos and the gateways alike.
    /// </summary>
    public bool Dashboard { get; set; }

    public long MaxUploadBytes => (long)MaxUploadMegabytes << 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == OrleansMlMode.Cluster && string.IsNullOrWhiteSpace(PostgresConnectionString))
        {
            yield return new ValidationResult(
                "OrleansMl:PostgresConnectionString is required in cluster mode: set OrleansMl__PostgresConnectionString, e.g. Host=db;Username=orleansml;Password=...;Database=orleansml.",
                [nameof(PostgresConnectionString)]);
        }

        if (DatasetCacheTtl <= TimeSpan.Zero)
        {
            yield return new ValidationResult(
                $"OrleansMl:DatasetCacheTtl must be a positive time span (got {DatasetCacheTtl}): set OrleansMl__DatasetCacheTtl, e.g. 00:30:00.",
                [nameof(DatasetCacheTtl)]);
        }

        if (!System.Net.IPAddress.TryParse(AdvertisedAddress, out _))
        {
            yield return new ValidationResult(
                $"OrleansMl:AdvertisedAddress '{AdvertisedAddress}' is not an IP address: set OrleansMl__AdvertisedAddress to this silo's IP (e.g. the pod IP).",
                [nameof(AdvertisedAddress)]);
        }
    }

    public long DatasetCacheBytes => (long)DatasetCacheMegabytes << 20;

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
}
