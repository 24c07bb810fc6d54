using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace OrleansMl.Tests.Support;

/// <summary>
/// Makes the real grain storage fail on demand: <see cref="Install"/> wraps the storage provider of a silo so that
/// writes of chosen grains (by state name, and optionally by key) throw as a database that is down would, while every
/// other grain reads and writes through to the real storage.
/// </summary>
public sealed class StorageFaults
{
    private readonly ConcurrentDictionary<(string State, string? Key), bool> _failing = new();

    /// <summary>Writes of the state <paramref name="stateName"/> ("model", "version", "dataset", "catalog") fail, for one key or all.</summary>
    public IDisposable FailWrites(string stateName, string? key = null)
    {
        _failing[(stateName, key)] = true;
        return new Scope(() => _failing.TryRemove((stateName, key), out _));
    }

    public void Clear() => _failing.Clear();

    /// <summary>Wraps the grain storage provider named <paramref name="name"/> in <paramref name="services"/>.</summary>
    public void Install(IServiceCollection services, string name)
    {
        ArgumentNullException.ThrowIfNull(services);
        var registered = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, name));
        var create = registered.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"The grain storage '{name}' is not registered through a factory.");
        services.Remove(registered);
        services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => new FailingGrainStorage((IGrainStorage)create(sp, key), this));
    }

    private bool Fails(string stateName, GrainId grainId) =>
        _failing.ContainsKey((stateName, null)) || _failing.ContainsKey((stateName, grainId.Key.ToString()));

    private sealed class Scope(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    private sealed class FailingGrainStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            faults.Fails(stateName, grainId)
                ? throw new IOException($"Simulated storage failure writing {stateName} of {grainId}.")
                : inner.WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            faults.Fails(stateName, grainId)
                ? throw new IOException($"Simulated storage failure clearing {stateName} of {grainId}.")
                : inner.ClearStateAsync(stateName, grainId, grainState);

        public void Participate(ISiloLifecycle observer) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(observer);
    }
}
