namespace OrleansMl.Schedules;

public sealed partial class ModelScheduleGrain
{
    private static Task CheckDriftBaselineAsync(TrainingSpec spec) =>
        throw new InvalidScheduleException($"trigger drift on dataset '{spec.Dataset}' needs dataset drift, which this build does not measure; use always or newData.");

    private static Task<ScheduleRun> DecideOnDriftAsync(ScheduleRequest schedule, DatasetVersionInfo newest, Func<int?, string, string, ScheduleRun> run) =>
        Task.FromResult(run(newest.Version, ScheduleRun.Failed, $"failed: trigger drift on '{schedule.Dataset}' is not measured by this build"));
}
