namespace OrleansMl.Models;

/// <summary>
/// Converts a registry the previous release stored (<see cref="ModelState.LegacyVersions"/>: every version with copies
/// of its state) into the current shape, by asking each version's grain for what only it knows: its allocation and
/// status. A version whose start was lost in a crash (recorded, but its grain has no state) is started again from the
/// recorded spec. Deterministic, so converting again gives the same registry.
/// </summary>
public static class PreviousReleaseRegistry
{
    public static async Task<ModelState> ConvertAsync(IGrainFactory grains, string model, ModelState stored)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(stored);
        var next = stored with { LegacyVersions = [] };
        foreach (var legacy in stored.LegacyVersions.OrderBy(l => l.Version))
        {
            var control = grains.GetGrain<IModelVersionControl>(ModelVersionKey.Format(model, legacy.Version));
            ModelVersionInfo info;
            Guid allocation;
            if (await control.GetAllocationAsync() is { } kept)
            {
                allocation = kept;
                info = await grains.GetModelVersion(model, legacy.Version).GetAsync();
            }
            else
            {
                allocation = Guid.NewGuid();
                info = await ModelVersionPlacement.StartNearDatasetAsync(grains, model, legacy.Version, legacy.Spec, allocation);
            }

            next = next with
            {
                Versions = next.Versions.SetItem(legacy.Version, new RegisteredVersion(
                    legacy.Version, allocation, TrainingSpecHash.Of(legacy.Spec), legacy.CreatedAt, info.CreatedBy)),
                NextVersion = Math.Max(next.NextVersion, legacy.Version + 1),
                Pending = info.Status.IsTerminal() ? next.Pending : next.Pending.Add(legacy.Version),
                Servable = info.Status == TrainingStatus.Succeeded ? next.Servable.Add(legacy.Version) : next.Servable,
            };
        }

        return next;
    }
}
