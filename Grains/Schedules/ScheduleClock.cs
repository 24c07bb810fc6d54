namespace OrleansMl.Schedules;

/// <summary>
/// The clock schedules decide due times with: a keyed <see cref="TimeProvider"/> that defaults to the silo's own, so
/// tests can move schedule time alone without moving the cluster's timers and reminders.
/// </summary>
public static class ScheduleClock
{
    /// <summary>The service key of the schedules' <see cref="TimeProvider"/>.</summary>
    public const string ServiceKey = "orleansml-schedules";
}
