namespace OrleansMl;

/// <summary>The actions the audit log records.</summary>
public static class AuditActions
{
    /// <summary>A dataset version was created from an upload.</summary>
    public const string DatasetVersionCreated = "dataset.version.created";

    /// <summary>A dataset version's rows were deleted (the version stays as lineage).</summary>
    public const string DatasetVersionDeleted = "dataset.version.deleted";

    /// <summary>A training job was requested: a new model version.</summary>
    public const string TrainingRequested = "model.training.requested";

    /// <summary>A training job was cancelled.</summary>
    public const string TrainingCancelled = "model.training.cancelled";

    /// <summary>A model version was deleted.</summary>
    public const string ModelVersionDeleted = "model.version.deleted";

    /// <summary>An alias was pointed at a version.</summary>
    public const string AliasPromoted = "model.alias.promoted";

    /// <summary>An alias was moved back to its previous version.</summary>
    public const string AliasRolledBack = "model.alias.rolled-back";

    /// <summary>An alias was removed, with its rollback stack and guard.</summary>
    public const string AliasRemoved = "model.alias.removed";

    /// <summary>A rollout was started.</summary>
    public const string RolloutStarted = "model.rollout.started";

    /// <summary>A rollout ended: promoted, rolled back by its guard, or aborted.</summary>
    public const string RolloutEnded = "model.rollout.ended";

    /// <summary>A guard was set on an alias.</summary>
    public const string AliasGuardSet = "model.alias.guard-set";

    /// <summary>An alias's guard was removed.</summary>
    public const string AliasGuardRemoved = "model.alias.guard-removed";

    /// <summary>A model's retraining schedule was set or replaced.</summary>
    public const string ScheduleSet = "model.schedule.set";

    /// <summary>A model's retraining schedule was removed.</summary>
    public const string ScheduleDeleted = "model.schedule.deleted";

    /// <summary>A scheduled run trained a version (its promotion or rollout is recorded under its own action).</summary>
    public const string ScheduleRunTrained = "model.schedule.run";

    /// <summary>An API key was created.</summary>
    public const string KeyCreated = "key.created";

    /// <summary>An API key was revoked.</summary>
    public const string KeyRevoked = "key.revoked";
}
