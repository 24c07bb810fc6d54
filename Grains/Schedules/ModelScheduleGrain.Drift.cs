namespace OrleansMl.Schedules;

/// <summary>
/// The drift trigger: PSI of the production version's input columns between the newest dataset version and the data it
/// was trained on.
/// </summary>
public sealed partial class ModelScheduleGrain
{
    /// <summary>At set time: drift needs a production version trained on the schedule's dataset to measure against.</summary>
    private async Task CheckDriftBaselineAsync(TrainingSpec spec)
    {
        var aliases = await AliasesAsync();
        if (!aliases.TryGetValue(ModelAliases.Production, out var production))
        {
            throw new InvalidScheduleException(
                $"trigger drift measures the newest data against the data the production version was trained on, and model '{Name}' has no production version; "
                + "promote one first, or use trigger always or newData.");
        }

        var trained = (await GrainFactory.GetGrain<IModelGrain>(Name).GetVersionAsync(production)).Spec;
        if (trained.Dataset != spec.Dataset)
        {
            throw new InvalidScheduleException(
                $"trigger drift compares versions of one dataset, but production (v{production}) of model '{Name}' was trained on dataset '{trained.Dataset}', not '{spec.Dataset}'.");
        }
    }

    /// <summary>A drift run: trains when the largest PSI reaches the threshold, skips (saying the numbers) otherwise.</summary>
    private async Task<ScheduleRun> DecideOnDriftAsync(ScheduleRequest schedule, DatasetVersionInfo newest, Func<int?, string, string, ScheduleRun> run)
    {
        var threshold = schedule.DriftThreshold ?? ScheduleRequest.DefaultDriftThreshold;
        var model = GrainFactory.GetGrain<IModelGrain>(Name);
        if (!(await AliasesAsync()).TryGetValue(ModelAliases.Production, out var production))
        {
            return run(newest.Version, ScheduleRun.Skipped, "skipped: the model has no production version to measure drift against");
        }

        var productionVersion = await model.GetVersionAsync(production);
        var trained = productionVersion.Spec;
        if (trained.Dataset != schedule.Dataset)
        {
            return run(newest.Version, ScheduleRun.Skipped,
                $"skipped: production v{production} was trained on dataset '{trained.Dataset}', not '{schedule.Dataset}'; drift compares versions of one dataset");
        }

        if (trained.DatasetVersion == newest.Version)
        {
            return run(newest.Version, ScheduleRun.Skipped, $"skipped: production v{production} was trained on v{newest.Version}, the newest version");
        }

        DatasetDrift drift;
        try
        {
            drift = await GrainFactory.GetGrain<IDatasetGrain>(schedule.Dataset).GetDriftAsync(newest.Version, trained.DatasetVersion);
        }
        catch (Exception ex) when (ex is DatasetNotFoundException or InvalidDriftRequestException)
        {
            return run(newest.Version, ScheduleRun.Failed, $"failed: drift of v{newest.Version} against v{trained.DatasetVersion} could not be measured: {ex.Message}");
        }

        // Drift of the model's inputs only: the label and the columns production does not read do not trigger a run.
        var inputs = productionVersion.Signature is { Inputs.IsDefaultOrEmpty: false } signature
            ? signature.Inputs.Where(i => i.Kind != ColumnKind.Ignored).Select(i => i.Name).ToHashSet(StringComparer.Ordinal)
            : null;
        var measured = drift.Columns
            .Where(c => c.Psi is not null && c.Column != trained.Label && (inputs is null || inputs.Contains(c.Column)))
            .MaxBy(c => c.Psi!.Value);
        if (measured?.Psi is not { } psi)
        {
            return run(newest.Version, ScheduleRun.Skipped, $"skipped: no input column of production v{production} could be measured in v{newest.Version} against v{trained.DatasetVersion}");
        }

        var numbers = $"max PSI {Number(psi)} {(psi >= threshold ? "≥" : "<")} {Number(threshold)} ('{measured.Column}', v{newest.Version} against v{trained.DatasetVersion})";
        return psi >= threshold
            ? run(newest.Version, ScheduleRun.Training, numbers)
            : run(newest.Version, ScheduleRun.Skipped, $"skipped: {numbers}");
    }
}
