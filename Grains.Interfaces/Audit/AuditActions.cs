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

    /// <summary>An API key was created.</summary>
    public const string KeyCreated = "key.created";

    /// <summary>An API key was revoked.</summary>
    public const string KeyRevoked = "key.revoked";
}
