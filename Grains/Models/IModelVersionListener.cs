namespace OrleansMl.Models;

/// <summary>Implemented by the model grain: a version reports its terminal state so the registry stays current.</summary>
[Alias("OrleansMl.IModelVersionListener")]
public interface IModelVersionListener : IGrainWithStringKey
{
    [Alias("OnVersionChanged")]
    Task OnVersionChangedAsync(ModelVersionInfo info);
}
