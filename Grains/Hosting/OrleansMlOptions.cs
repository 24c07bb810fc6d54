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

    /// <summary>
    /// Whether an <c>auto</c> search on small data hands its cross-validation fits to other silos' free training slots
    /// too (<c>OrleansMl__SpreadTrials</c>, default true). The choice is the same either way; only where fits run changes.
    /// </summary>
    public bool SpreadTrials { get; set; } = true;

    /// <summary>
    /// Whether a gateway that hosts its silo (the embedded mode) scores predictions on its request threads with the
    /// silo's predictor replicas instead of through a grain call (<c>OrleansMl__InProcessPredictions</c>, default true).
    /// The answers, errors and statistics are the same either way; a gateway that is an Orleans client always calls.
    /// </summary>
    public bool InProcessPredictions { get; set; } = true;

    /// <summary>
    /// The OpenMP runtime LightGBM runs on (<c>OrleansMl__OpenMpRuntime</c>): <c>auto</c> (default) LLVM's when installed
    /// (Debian's <c>libomp5</c>; LightGBM's fits take about half the time on small data), else GNU's; <c>llvm</c> requires
    /// LLVM's; <c>gnu</c> keeps GNU's. Chosen once per process, when the silo starts.
    /// </summary>
    [RegularExpression("^(?i)(auto|llvm|gnu)$", ErrorMessage = "OrleansMl:OpenMpRuntime must be auto, llvm or gnu; set OrleansMl__OpenMpRuntime.")]
    public string OpenMpRuntime { get; set; } = "auto";

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

    /// <summary>Prediction ids and feedback (<c>OrleansMl__Feedback__*</c>).</summary>
    public FeedbackOptions Feedback { get; set; } = new();

    /// <summary>Rollouts and shadow scoring (<c>OrleansMl__Rollouts__*</c>).</summary>
    public RolloutOptions Rollouts { get; set; } = new();

    /// <summary>What the default prediction-id key is derived from: the settings that name this deployment's data.</summary>
    public string DeploymentIdentity => $"{ServiceId}\n{ClusterId}\n{PostgresConnectionString ?? FullDataDirectory}";

    /// <summary>
    /// Mounts the Orleans Dashboard (silos, activations, grain calls) at <c>/dashboard</c> of the gateway
    /// (<c>OrleansMl__Dashboard</c>). Off by default: its profiler sees every grain call, predictions included, and it
    /// shows grain state. In cluster mode set it on the silos and the gateways alike.
    /// </summary>
    public bool Dashboard { get; set; }

    // Limits: each is checked when a request arrives, before any work is done, and answered with a 4xx that names the
    // setting. The README's "Limits" table lists them with their defaults and status codes.

    /// <summary>Wall-clock limit of one fit, in seconds (<c>OrleansMl__MaxTrainingSeconds</c>); <c>timeBudgetSeconds</c> may lower it.</summary>
    [Range(1, 7 * 24 * 3600, ErrorMessage = "OrleansMl:MaxTrainingSeconds must be between 1 and 604800; set OrleansMl__MaxTrainingSeconds.")]
    public int MaxTrainingSeconds { get; set; } = 1800;

    /// <summary>Most trees (or linear iterations) a training may ask for (<c>OrleansMl__MaxTrees</c>).</summary>
    [Range(1, 1_000_000, ErrorMessage = "OrleansMl:MaxTrees must be between 1 and 1000000; set OrleansMl__MaxTrees.")]
    public int MaxTrees { get; set; } = 10_000;

    /// <summary>Most leaves per tree a training may ask for (<c>OrleansMl__MaxLeaves</c>).</summary>
    [Range(2, 1 << 20, ErrorMessage = "OrleansMl:MaxLeaves must be between 2 and 1048576; set OrleansMl__MaxLeaves.")]
    public int MaxLeaves { get; set; } = 16_384;

    /// <summary>Most trees × leaves per tree of one model (<c>OrleansMl__MaxTreeLeaves</c>): bounds the model's size and fit time.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "OrleansMl:MaxTreeLeaves must be at least 1; set OrleansMl__MaxTreeLeaves.")]
    public int MaxTreeLeaves { get; set; } = 1_000_000;

    /// <summary>
    /// Most input slots of a model after featurization (<c>OrleansMl__MaxFeatureWidth</c>): one per numeric or boolean
    /// column, one per category of a categorical column (16,384 hashed slots above 1,000 categories), 20,000 per text column.
    /// </summary>
    [Range(1, int.MaxValue, ErrorMessage = "OrleansMl:MaxFeatureWidth must be at least 1; set OrleansMl__MaxFeatureWidth.")]
    public int MaxFeatureWidth { get; set; } = 200_000;

    /// <summary>Queued or running trainings of one model (<c>OrleansMl__MaxQueuedTrainingsPerModel</c>); more are refused with 429.</summary>
    [Range(1, 100_000, ErrorMessage = "OrleansMl:MaxQueuedTrainingsPerModel must be between 1 and 100000; set OrleansMl__MaxQueuedTrainingsPerModel.")]
    public int MaxQueuedTrainingsPerModel { get; set; } = 10;

    /// <summary>Queued or running trainings in the whole cluster (<c>OrleansMl__MaxQueuedTrainings</c>); more are refused with 429.</summary>
    [Range(1, 1_000_000, ErrorMessage = "OrleansMl:MaxQueuedTrainings must be between 1 and 1000000; set OrleansMl__MaxQueuedTrainings.")]
    public int MaxQueuedTrainings { get; set; } = 100;

    /// <summary>How long an idempotency key of a training request is remembered (<c>OrleansMl__IdempotencyWindow</c>, e.g. 1.00:00:00).</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Idempotency keys remembered per model; the oldest are forgotten first (<c>OrleansMl__MaxIdempotencyKeys</c>).</summary>
    [Range(1, 1_000_000, ErrorMessage = "OrleansMl:MaxIdempotencyKeys must be between 1 and 1000000; set OrleansMl__MaxIdempotencyKeys.")]
    public int MaxIdempotencyKeys { get; set; } = 1000;

    /// <summary>Largest request body of the JSON routes, in KB (<c>OrleansMl__MaxJsonBodyKilobytes</c>); uploads have their own limit.</summary>
    [Range(1, 1 << 20, ErrorMessage = "OrleansMl:MaxJsonBodyKilobytes must be between 1 and 1048576; set OrleansMl__MaxJsonBodyKilobytes.")]
    public int MaxJsonBodyKilobytes { get; set; } = 4096;

    /// <summary>Most columns of an uploaded CSV (<c>OrleansMl__MaxColumns</c>).</summary>
    [Range(1, 100_000, ErrorMessage = "OrleansMl:MaxColumns must be between 1 and 100000; set OrleansMl__MaxColumns.")]
    public int MaxColumns { get; set; } = 2000;

    /// <summary>Most data rows of an uploaded CSV (<c>OrleansMl__MaxDatasetRows</c>).</summary>
    [Range(1, 1_000_000_000, ErrorMessage = "OrleansMl:MaxDatasetRows must be between 1 and 1000000000; set OrleansMl__MaxDatasetRows.")]
    public int MaxDatasetRows { get; set; } = 20_000_000;

    /// <summary>Longest cell of an uploaded CSV, in characters (<c>OrleansMl__MaxCellCharacters</c>).</summary>
    [Range(1, 1 << 30, ErrorMessage = "OrleansMl:MaxCellCharacters must be at least 1; set OrleansMl__MaxCellCharacters.")]
    public int MaxCellCharacters { get; set; } = 32_768;

    /// <summary>Longest column name of an uploaded CSV, in characters (<c>OrleansMl__MaxColumnNameLength</c>).</summary>
    [Range(1, 1 << 16, ErrorMessage = "OrleansMl:MaxColumnNameLength must be between 1 and 65536; set OrleansMl__MaxColumnNameLength.")]
    public int MaxColumnNameLength { get; set; } = 256;

    /// <summary>Most frequent values kept per column in a dataset version's statistics (<c>OrleansMl__MaxTopValues</c>).</summary>
    [Range(0, 1000, ErrorMessage = "OrleansMl:MaxTopValues must be between 0 and 1000; set OrleansMl__MaxTopValues.")]
    public int MaxTopValues { get; set; } = 10;

    /// <summary>
    /// Longest value shown in statistics (<c>topValues</c>) and sample rows, in characters; longer ones are cut and end
    /// with "…" (<c>OrleansMl__MaxShownValueLength</c>).
    /// </summary>
    [Range(1, 1 << 20, ErrorMessage = "OrleansMl:MaxShownValueLength must be between 1 and 1048576; set OrleansMl__MaxShownValueLength.")]
    public int MaxShownValueLength { get; set; } = 256;

    /// <summary>Longest reason of an alias change or a rollout abort, in characters (<c>OrleansMl__MaxAliasReasonLength</c>).</summary>
    [Range(1, 1 << 20, ErrorMessage = "OrleansMl:MaxAliasReasonLength must be between 1 and 1048576; set OrleansMl__MaxAliasReasonLength.")]
    public int MaxAliasReasonLength { get; set; } = 1000;

    /// <summary>Most aliases of one model (<c>OrleansMl__MaxAliasesPerModel</c>).</summary>
    [Range(1, 10_000, ErrorMessage = "OrleansMl:MaxAliasesPerModel must be between 1 and 10000; set OrleansMl__MaxAliasesPerModel.")]
    public int MaxAliasesPerModel { get; set; } = 20;

    /// <summary>
    /// Alias changes a model keeps in its history, and versions each alias keeps to roll back to; the oldest are
    /// dropped first (<c>OrleansMl__MaxAliasHistory</c>).
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "OrleansMl:MaxAliasHistory must be between 1 and 100000; set OrleansMl__MaxAliasHistory.")]
    public int MaxAliasHistory { get; set; } = 100;

    /// <summary>
    /// Retention: keep only this many of a model's newest ended versions that no alias uses; older ones are deleted with
    /// their model files (<c>OrleansMl__KeepVersions</c>). 0 (default) keeps every version.
    /// </summary>
    [Range(0, 1_000_000, ErrorMessage = "OrleansMl:KeepVersions must be 0 (keep all) or more; set OrleansMl__KeepVersions.")]
    public int KeepVersions { get; set; }

    /// <summary>
    /// Embedded mode: uploads are refused (507) while the data directory's disk has less free space than this, in MB
    /// (<c>OrleansMl__MinFreeDiskMegabytes</c>).
    /// </summary>
    [Range(0, int.MaxValue, ErrorMessage = "OrleansMl:MinFreeDiskMegabytes must be 0 or more; set OrleansMl__MinFreeDiskMegabytes.")]
    public int MinFreeDiskMegabytes { get; set; } = 1024;

    /// <summary>Loaded models kept in memory per silo, by the size of their model files, in MB (<c>OrleansMl__ModelCacheMegabytes</c>).</summary>
    [Range(1, 1 << 20, ErrorMessage = "OrleansMl:ModelCacheMegabytes must be at least 1; set OrleansMl__ModelCacheMegabytes.")]
    public int ModelCacheMegabytes { get; set; } = 1024;

    /// <summary>
    /// How often each silo sweeps the artifact store (<c>OrleansMl__SweepInterval</c>): abandoned staged uploads,
    /// temporary files, and references whose owner never confirmed them.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A staged upload that received nothing for this long is abandoned and removed; an unconfirmed reference this old is
    /// checked with its owner (<c>OrleansMl__StagedUploadMaxAge</c>).
    /// </summary>
    public TimeSpan StagedUploadMaxAge { get; set; } = TimeSpan.FromHours(1);

    // Feature store: each bound keeps one request, one feature set or one entity's memory finite.

    /// <summary>Most latest-value features one feature set may declare (<c>OrleansMl__MaxFeatureValuesPerSet</c>).</summary>
    [Range(1, 10_000, ErrorMessage = "OrleansMl:MaxFeatureValuesPerSet must be between 1 and 10000; set OrleansMl__MaxFeatureValuesPerSet.")]
    public int MaxFeatureValuesPerSet { get; set; } = 100;

    /// <summary>Most window aggregates one feature set may declare (<c>OrleansMl__MaxFeatureAggregatesPerSet</c>).</summary>
    [Range(1, 1000, ErrorMessage = "OrleansMl:MaxFeatureAggregatesPerSet must be between 1 and 1000; set OrleansMl__MaxFeatureAggregatesPerSet.")]
    public int MaxFeatureAggregatesPerSet { get; set; } = 20;

    /// <summary>Most events in one <c>POST /api/features/{set}/events</c> request (<c>OrleansMl__MaxFeatureEventsPerRequest</c>).</summary>
    [Range(1, 1_000_000, ErrorMessage = "OrleansMl:MaxFeatureEventsPerRequest must be between 1 and 1000000; set OrleansMl__MaxFeatureEventsPerRequest.")]
    public int MaxFeatureEventsPerRequest { get; set; } = 50_000;

    /// <summary>
    /// Most in-window events one entity (feature set + key) keeps for its aggregates (<c>OrleansMl__MaxFeatureEventsPerKey</c>).
    /// Aggregates are computed exactly from the raw events; events that would pass this bound are refused and reported
    /// as <c>overLimit</c> until older ones leave the longest window.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "OrleansMl:MaxFeatureEventsPerKey must be between 1 and 1000000; set OrleansMl__MaxFeatureEventsPerKey.")]
    public int MaxFeatureEventsPerKey { get; set; } = 10_000;

    /// <summary>Longest aggregate window a feature set may declare (<c>OrleansMl__MaxFeatureWindow</c>, e.g. 7.00:00:00).</summary>
    public TimeSpan MaxFeatureWindow { get; set; } = TimeSpan.FromDays(7);

    public long MaxUploadBytes => (long)MaxUploadMegabytes << 20;

    public long MaxJsonBodyBytes => (long)MaxJsonBodyKilobytes << 10;

    public long MinFreeDiskBytes => (long)MinFreeDiskMegabytes << 20;

    public long ModelCacheBytes => (long)ModelCacheMegabytes << 20;

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

        if (Feedback.Retention <= TimeSpan.Zero || Feedback.Retention > TimeSpan.FromDays(3650))
        {
            yield return new ValidationResult(
                $"OrleansMl:Feedback:Retention must be a positive time span of at most 3650 days (got {Feedback.Retention}): set OrleansMl__Feedback__Retention, e.g. 7.00:00:00.",
                [nameof(Feedback)]);
        }

        if (Feedback.SigningKey is { Length: > 0 and < 16 })
        {
            yield return new ValidationResult(
                "OrleansMl:Feedback:SigningKey is too short: set OrleansMl__Feedback__SigningKey to a random secret of at least 16 characters (the same on every silo), or leave it unset.",
                [nameof(Feedback)]);
        }

        if (Rollouts.ShadowQueueCapacity is < 1 or > 1_000_000)
        {
            yield return new ValidationResult(
                $"OrleansMl:Rollouts:ShadowQueueCapacity must be between 1 and 1000000 (got {Rollouts.ShadowQueueCapacity}): set OrleansMl__Rollouts__ShadowQueueCapacity.",
                [nameof(Rollouts)]);
        }

        if (Rollouts.EvaluationInterval < TimeSpan.FromMilliseconds(100) || Rollouts.EvaluationInterval > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult(
                $"OrleansMl:Rollouts:EvaluationInterval must be between 00:00:00.1 and 00:10:00 (got {Rollouts.EvaluationInterval}): set OrleansMl__Rollouts__EvaluationInterval.",
                [nameof(Rollouts)]);
        }

        foreach (var (value, name, example) in new[]
        {
            (IdempotencyWindow, nameof(IdempotencyWindow), "1.00:00:00"),
            (SweepInterval, nameof(SweepInterval), "00:10:00"),
            (StagedUploadMaxAge, nameof(StagedUploadMaxAge), "01:00:00"),
            (MaxFeatureWindow, nameof(MaxFeatureWindow), "7.00:00:00"),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return new ValidationResult(
                    $"OrleansMl:{name} must be a positive time span (got {value}): set OrleansMl__{name}, e.g. {example}.", [name]);
            }
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

    /// <summary>Creates the data directory when it does not exist and returns its full path; a folder that cannot be made is a <see cref="SettingException"/>.</summary>
    public string CreateDataDirectory()
    {
        var directory = FullDataDirectory;
        try
        {
            Directory.CreateDirectory(directory);
            return directory;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new SettingException(
                $"OrleansMl:DataDirectory '{directory}' cannot be created ({error.Message}): set OrleansMl__DataDirectory to a folder this process may write.",
                error);
        }
    }
}
