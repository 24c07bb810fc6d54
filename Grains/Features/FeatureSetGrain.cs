using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansMl.Hosting;
using OrleansMl.Storage;

namespace OrleansMl.Features;

/// <summary>The definition of one feature set; see <see cref="IFeatureSetGrain"/>.</summary>
public sealed partial class FeatureSetGrain(
    [PersistentState("featureset", StorageNames.Grains)] IPersistentState<FeatureSetState> state,
    [FromKeyedServices(FeatureClock.ServiceKey)] TimeProvider time,
    IOptions<OrleansMlOptions> options,
    ILogger<FeatureSetGrain> logger) : Grain, IFeatureSetGrain
{
    // What storage holds; reads use it, never state.State.
    private FeatureSetState _committed = FeatureSetState.Empty;

    private string Name => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _committed = state.RecordExists ? state.State : FeatureSetState.Empty;
        if (_committed.Definition is { } definition)
        {
            // Heals a listing update that was missed after a definition was stored.
            await ListAsync(definition);
        }
    }

    public async Task<FeatureSetDefinition> DefineAsync(FeatureSetSpec spec)
    {
        Names.Validate(Name, "feature set");
        var (key, ttl, values, aggregates) = FeatureSetValidator.Validate(spec, options.Value);
        var previous = _committed.Definition;
        var definition = new FeatureSetDefinition(Name, key, ttl, values, aggregates, (previous?.Revision ?? 0) + 1, time.GetUtcNow(), Caller.Name);
        await state.CommitAsync(new FeatureSetState(definition), this, logger, $"feature set '{Name}'");
        _committed = state.State;
        await ListAsync(definition);
        return definition;
    }

    public Task<FeatureSetDefinition> GetAsync() => Task.FromResult(_committed.Definition
        ?? throw new FeatureSetNotFoundException($"Feature set '{Name}' is not defined; define it with PUT /api/features/{Name}."));

    /// <summary>Sets the listing's entry; the definition is stored already, so a failure is logged and healed on the next activation.</summary>
    private async Task ListAsync(FeatureSetDefinition definition)
    {
        try
        {
            await GrainFactory.GetGrain<IFeatureCatalogGrain>(IFeatureCatalogGrain.Key).SetAsync(definition);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogListingFailed(logger, ex, Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing feature set {Set} failed; its next activation lists it again")]
    private static partial void LogListingFailed(ILogger logger, Exception exception, string set);
}
