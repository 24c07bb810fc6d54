using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Features;

/// <summary>The definition of one feature set; see <see cref="IFeatureSetGrain"/>.</summary>
public sealed class FeatureSetGrain(
    [PersistentState("featureset", StorageNames.Grains)] IPersistentState<FeatureSetState> state,
    [FromKeyedServices(FeatureClock.ServiceKey)] TimeProvider time,
    IOptions<OrleansMlOptions> options,
    ILogger<FeatureSetGrain> logger) : Grain, IFeatureSetGrain
{
    // What storage holds; reads use it, never state.State.
    private FeatureSetState _committed = FeatureSetState.Empty;

    private string Name => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State : FeatureSetState.Empty;
        return Task.CompletedTask;
    }

    public async Task<FeatureSetDefinition> DefineAsync(FeatureSetSpec spec)
    {
        Names.Validate(Name, "feature set");
        var (key, ttl, values, aggregates) = FeatureSetValidator.Validate(spec, options.Value);
        var previous = _committed.Definition;
        var definition = new FeatureSetDefinition(Name, key, ttl, values, aggregates, (previous?.Revision ?? 0) + 1, time.GetUtcNow(), Caller.Name);
        await state.CommitAsync(new FeatureSetState(definition), this, logger, $"feature set '{Name}'");
        _committed = state.State;
        return definition;
    }

    public Task<FeatureSetDefinition> GetAsync() => Task.FromResult(_committed.Definition
        ?? throw new FeatureSetNotFoundException($"Feature set '{Name}' is not defined; define it with PUT /api/features/{Name}."));
}
